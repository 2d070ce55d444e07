import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Config, RouteConfig } from '../../config/index.js';
import {
  connectTarget,
  formatProbeReport,
  type ProbeEnvironment,
  probeExitCode,
  runProbe,
  startDryRun,
} from '../../probe/index.js';
import { routeFor } from '../../probe/route-facts.js';
import { CliError, EXIT } from '../cli-error.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

/** Options of `portcullis probe`, as commander hands them over. */
export interface ProbeCommandOptions {
  config: string;
  target?: string;
  echoRoute?: string;
  app?: string;
  debugTokenFile?: string;
  maxRequests: string;
  rate: string;
  json?: boolean;
}

/** The environment variable holding a debug credential for `--target` runs (never an argument: shell history). */
export const DEBUG_TOKEN_ENV = 'PORTCULLIS_PROBE_DEBUG_TOKEN';

function usage(message: string, fix: string): CliError {
  return new CliError(message, { exitCode: EXIT.usage, fix });
}

function integer(value: string, name: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw usage(
      `${name} must be an integer from ${min} to ${max}`,
      `pass e.g. ${name} ${min === 1 ? 500 : min}`,
    );
  }
  return parsed;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The URL to probe: http(s), origin only. A non-loopback URL must be the origin of the config's
 * issuer: the probe attacks only the deployment the owner's config describes.
 */
export function probeTarget(value: string, config: Config): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(
      `--target ${value} is not a URL`,
      'pass the shield’s origin, e.g. --target https://shield.example.com',
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
    throw usage(
      `--target ${value} is not an http(s) origin`,
      'pass the shield’s origin, e.g. --target https://shield.example.com',
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw usage(`--target ${value} has a path or query`, `pass the origin only: --target ${url.origin}`);
  }
  if (!isLoopback(url.hostname) && url.origin !== new URL(config.issuer).origin) {
    throw usage(
      `--target ${url.origin} is not the shield the config describes (issuer ${new URL(config.issuer).origin}) nor a loopback address`,
      'probe only your own deployment: the origin of the config’s issuer, or the shield on 127.0.0.1',
    );
  }
  return url;
}

function echoRoute(path: string, config: Config): RouteConfig {
  const route = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
    .map((method) => routeFor(config, method, path))
    .find((found) => found !== undefined);
  if (route === undefined) {
    throw usage(
      `--echo-route ${path}: no route of the config takes this path`,
      'name the path of a route whose upstream echoes what it receives',
    );
  }
  return route;
}

async function debugCredential(options: ProbeCommandOptions, io: CliIo): Promise<string | undefined> {
  if (options.debugTokenFile !== undefined) {
    try {
      return (await readFile(resolve(io.cwd, options.debugTokenFile), 'utf8')).trim();
    } catch {
      throw usage(
        `--debug-token-file ${options.debugTokenFile} cannot be read`,
        'name a file holding one debug credential',
      );
    }
  }
  const value = io.env[DEBUG_TOKEN_ENV];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * `portcullis probe --config FILE [--target URL]`: plays the attacker's playbook against the
 * owner's shield and reports what was refused and what got through, with a fix for each. Without
 * `--target` it is a dry run: the shield of the config is started on loopback with echo upstreams.
 * Exit 0 when everything held, 1 when something got through (or the budget ran out), 2 for usage.
 */
export async function probeCommand(options: ProbeCommandOptions, io: CliIo): Promise<number> {
  const maxRequests = integer(options.maxRequests, '--max-requests', 1, 100_000);
  const rate = integer(options.rate, '--rate', 1, 1000);
  if (options.target === undefined && options.echoRoute !== undefined) {
    throw usage(
      '--echo-route goes with --target',
      'a dry run puts an echo behind every route already; drop --echo-route',
    );
  }
  const config = await loadConfigOrFail(options.config, io);
  const target = options.target === undefined ? undefined : probeTarget(options.target, config);
  const echo = options.echoRoute === undefined ? undefined : echoRoute(options.echoRoute, config);
  const credential = target === undefined ? undefined : await debugCredential(options, io);
  if (options.app !== undefined && config.apps[options.app] === undefined) {
    throw usage(
      `--app ${options.app} is not an app of the config`,
      `use one of: ${Object.keys(config.apps).join(', ')}`,
    );
  }

  let env: ProbeEnvironment;
  if (target === undefined) {
    try {
      env = await startDryRun(config);
    } catch (error) {
      throw new CliError(
        `the dry run could not start the shield: ${error instanceof Error ? error.message : String(error)}`,
        {
          fix: 'run portcullis check --config on the same file; a dry run needs what start needs, except the stores and keys',
        },
      );
    }
  } else {
    env = connectTarget(config, target, {
      ...(echo !== undefined ? { echoRoute: echo } : {}),
      ...(credential !== undefined ? { debugCredential: credential } : {}),
      ...(options.app !== undefined ? { debugApp: options.app } : {}),
    });
  }
  if (!options.json) {
    io.err(
      `probing ${target === undefined ? 'a dry run' : target.origin}: at most ${maxRequests} requests, ${rate} per second`,
    );
  }
  try {
    const report = await runProbe(env, { configPath: options.config, maxRequests, ratePerSecond: rate });
    io.out(options.json ? JSON.stringify(report, null, 2) : formatProbeReport(report));
    return probeExitCode(report);
  } finally {
    await env.close();
  }
}
