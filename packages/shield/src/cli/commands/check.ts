import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

/** `portcullis check --config FILE`: validates without starting. */
export async function checkCommand(options: { config: string }, io: CliIo): Promise<number> {
  const config = await loadConfigOrFail(options.config, io);
  const routes = config.routes.length;
  const apps = Object.keys(config.apps).length;
  io.out(
    `${options.config}: ok (${apps} ${apps === 1 ? 'app' : 'apps'}, ${routes} ${routes === 1 ? 'route' : 'routes'}, mode ${config.mode})`,
  );
  return 0;
}
