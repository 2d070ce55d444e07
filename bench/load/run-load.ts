import { createRequire } from 'node:module';
import type { ProcessGroup } from '../process-group.js';
import type { LoadResult } from '../types.js';
import { parseAutocannonJson } from './parse-autocannon-json.js';
import { parseWrkOutput } from './parse-wrk-output.js';

/** The load tool of a run: wrk when installed, else autocannon (a devDependency). */
export type LoadTool =
  | { kind: 'wrk'; version: string }
  | { kind: 'autocannon'; version: string; script: string };

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  durationSeconds: number;
  connections: number;
  threads: number;
  /** CPU list the load tool is pinned to, or undefined. */
  cpus: string | undefined;
  /**
   * A wrk Lua script and its arguments (wrk only: autocannon's CLI cannot vary a header per
   * request, so {@link runLoad} throws for it).
   */
  script?: { path: string; args: string[] };
}

/** autocannon's CLI script and version, from node_modules. */
export function autocannonTool(): LoadTool {
  const require = createRequire(import.meta.url);
  const manifest = require('autocannon/package.json') as { version: string };
  return {
    kind: 'autocannon',
    version: manifest.version,
    script: require.resolve('autocannon/autocannon.js'),
  };
}

/**
 * Drives `url` for `durationSeconds` with the same settings whatever the tool: `connections`
 * keep-alive connections, wrk with `threads` threads (autocannon runs one), and returns its figures.
 */
export async function runLoad(
  group: ProcessGroup,
  tool: LoadTool,
  options: LoadOptions,
): Promise<LoadResult> {
  const seconds = Math.max(1, Math.round(options.durationSeconds));
  const headerArgs = Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  if (tool.kind === 'wrk') {
    const script = options.script === undefined ? [] : ['-s', options.script.path];
    const stdout = await group.run({
      name: 'wrk',
      command: 'wrk',
      args: [
        `-t${options.threads}`,
        `-c${options.connections}`,
        `-d${seconds}s`,
        '--latency',
        '--timeout',
        '5s',
        ...script,
        ...headerArgs,
        options.url,
        ...(options.script === undefined ? [] : ['--', ...options.script.args]),
      ],
      cpus: options.cpus,
      timeoutMs: (seconds + 30) * 1000,
    });
    return parseWrkOutput(stdout);
  }
  if (options.script !== undefined) throw new TypeError('a load script needs wrk');
  const stdout = await group.run({
    name: 'autocannon',
    command: process.execPath,
    args: [
      tool.script,
      '--json',
      '-c',
      String(options.connections),
      '-d',
      String(seconds),
      '-t',
      '5',
      ...headerArgs,
      options.url,
    ],
    cpus: options.cpus,
    timeoutMs: (seconds + 30) * 1000,
  });
  return parseAutocannonJson(stdout);
}
