import {
  type ConfigIssue,
  compileRoutePolicies,
  explainRoutePolicy,
  formatConfigError,
} from '../../config/index.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

/**
 * `portcullis check --config FILE [--explain [--json]]`: validates without starting. Warnings
 * go to stderr with file:line and a fix (the file still passes); `--explain` prints each route's
 * compiled policy with its defaults written out, as the shield will enforce it.
 */
export async function checkCommand(
  options: { config: string; explain?: boolean; json?: boolean },
  io: CliIo,
): Promise<number> {
  const warnings: ConfigIssue[] = [];
  const config = await loadConfigOrFail(options.config, io, { onWarning: (issue) => warnings.push(issue) });
  if (warnings.length > 0) io.err(formatConfigError(warnings));
  const policies = compileRoutePolicies(config);
  if (options.explain === true && options.json === true) {
    io.out(JSON.stringify({ mode: config.mode, routes: policies }, null, 2));
    return 0;
  }
  const routes = config.routes.length;
  const apps = Object.keys(config.apps).length;
  const counted =
    warnings.length === 0 ? '' : `, ${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}`;
  io.out(
    `${options.config}: ok (${apps} ${apps === 1 ? 'app' : 'apps'}, ${routes} ${routes === 1 ? 'route' : 'routes'}, mode ${config.mode}${counted})`,
  );
  if (options.explain === true) {
    for (const policy of policies) io.out(['', ...explainRoutePolicy(policy, config.mode)].join('\n'));
  }
  return 0;
}
