import { isAbsolute, resolve } from 'node:path';
import type { PathSegment } from './decode-config-yaml.js';
import type { Config } from './schema.js';

/** A file or folder named by the config. */
export interface ConfigFilePath {
  path: PathSegment[];
  value: string;
  /** The shield reads it at start, so it must exist now. */
  mustExist: boolean;
  /** It holds secret material (a private key). */
  secret: boolean;
}

/** Every file or folder path in a config, with where it sits. */
export function configFilePaths(config: Config): ConfigFilePath[] {
  const paths: ConfigFilePath[] = [];
  const add = (path: PathSegment[], value: string | undefined, mustExist: boolean, secret = false): void => {
    if (value !== undefined) paths.push({ path, value, mustExist, secret });
  };
  if (config.store.kind === 'sqlite') add(['store', 'path'], config.store.path, false);
  add(['keys', 'dir'], config.keys.dir, false);
  const tls = config.listen.tls;
  add(['listen', 'tls', 'certFile'], tls?.certFile, true);
  add(['listen', 'tls', 'keyFile'], tls?.keyFile, true, true);
  add(['listen', 'tls', 'chainFile'], tls?.chainFile, true);
  add(['development', 'appleTestRootsFile'], config.development?.appleTestRootsFile, true);
  add(['development', 'androidTestRootsFile'], config.development?.androidTestRootsFile, true);
  add(['trust', 'appleRootsFile'], config.trust.appleRootsFile, true);
  add(['trust', 'androidRootsFile'], config.trust.androidRootsFile, true);
  const revocation = config.trust.androidRevocation;
  // With a url the file is the downloaded copy, which the shield may not have written yet.
  add(['trust', 'androidRevocation', 'file'], revocation.file, revocation.url === undefined);
  for (const [appId, app] of Object.entries(config.apps)) {
    const play = app.android?.playIntegrity;
    if (play?.decode === 'google') {
      add(
        ['apps', appId, 'android', 'playIntegrity', 'serviceAccountFile'],
        play.serviceAccountFile,
        true,
        true,
      );
    }
  }
  for (const [index, route] of config.routes.entries())
    add(['routes', index, 'tls', 'caFile'], route.tls?.caFile, true);
  return paths;
}

function setAt(target: unknown, path: readonly PathSegment[], value: string): void {
  let node = target as Record<PathSegment, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<PathSegment, unknown>;
  node[path.at(-1) as PathSegment] = value;
}

/**
 * A copy of the config whose relative file paths are made absolute from `baseDir` (the config
 * file's folder), so the shield does not depend on the folder it was started from.
 */
export function resolveConfigPaths(config: Config, baseDir: string): Config {
  const copy = structuredClone(config);
  for (const { path, value } of configFilePaths(config)) {
    if (!isAbsolute(value)) setAt(copy, path, resolve(baseDir, value));
  }
  return copy;
}
