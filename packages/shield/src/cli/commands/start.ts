import { createShield } from '../../server/create-shield.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

/** `portcullis start --config FILE`: runs until SIGINT/SIGTERM, then drains and exits 0. */
export async function startCommand(options: { config: string }, io: CliIo): Promise<number> {
  const config = await loadConfigOrFail(options.config, io);
  const shield = await createShield(config);
  await shield.listen();
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  shield.logger.info('shutting down');
  await shield.close();
  return 0;
}
