import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/index.js';

/**
 * Settings a reload cannot change: the listening sockets, the stores and what was built on them
 * (key directory, audit instance name), the worker processes and the server timeouts. A reload
 * that changes one keeps the running value for it (and says so); every other setting is taken
 * from the new file. `listen.tls` is listed by presence only: its files and `minVersion` reload.
 */
export const RESTART_ONLY_SETTINGS = [
  'instanceId',
  'workers',
  'listen.host',
  'listen.port',
  'listen.tls',
  'admin',
  'http.headersTimeoutMs',
  'http.requestTimeoutMs',
  'http.keepAliveTimeoutMs',
  'store',
  'keys.dir',
  'keys.alg',
  'limits.redisCommandTimeoutMs',
] as const;

/** One of {@link RESTART_ONLY_SETTINGS}. */
export type RestartOnlySetting = (typeof RESTART_ONLY_SETTINGS)[number];

type Node = Record<string, unknown>;

function read(config: unknown, path: string): unknown {
  let node = config;
  for (const key of path.split('.')) node = (node as Node | undefined)?.[key];
  return node;
}

function write(config: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = config as Node;
  for (const key of keys.slice(0, -1)) node = node[key] as Node;
  const last = keys.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = structuredClone(value);
}

function differs(running: Config, next: Config, setting: RestartOnlySetting): boolean {
  if (setting === 'listen.tls') return (running.listen.tls === undefined) !== (next.listen.tls === undefined);
  return !isDeepStrictEqual(read(running, setting), read(next, setting));
}

/**
 * The config a reload applies: `next` with every restart-only setting put back to its running
 * value, and the names of the settings that were put back. `mode` is not among them: a file
 * whose mode differs was validated under the other mode's rules, so the caller refuses it.
 *
 * @example
 * ```ts
 * const { config, kept } = keepRestartOnly(running, next);
 * for (const setting of kept) logger.warn({ setting }, 'needs a restart: the running value is kept');
 * ```
 */
export function keepRestartOnly(
  running: Config,
  next: Config,
): { config: Config; kept: RestartOnlySetting[] } {
  const kept = RESTART_ONLY_SETTINGS.filter((setting) => differs(running, next, setting));
  if (kept.length === 0) return { config: next, kept };
  const config = structuredClone(next) as Config;
  for (const setting of kept) {
    if (setting === 'listen.tls') {
      // Presence is what needs a restart; files and minVersion of a running TLS listener reload.
      write(config, setting, running.listen.tls);
    } else {
      write(config, setting, read(running, setting));
    }
  }
  return { config, kept };
}
