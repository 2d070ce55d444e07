import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where the built console lives: `packages/shield/console/dist`, resolved from this module, so it
 * is found both in the source tree and in an installed package (`dist/admin/console/` sits at the
 * same depth as `src/admin/console/`). Built by `npm run build:console -w @portcullis/shield`.
 */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/** The console's files by URL path, with their content types. Nothing else is served. */
const FILES = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

export type ConsoleAssetPath = keyof typeof FILES;

export const CONSOLE_ASSET_PATHS = Object.keys(FILES) as ConsoleAssetPath[];

/** One asset's bytes and type, or undefined when the console was not built. */
export interface ConsoleAssets {
  get(path: ConsoleAssetPath): { body: Buffer; type: string } | undefined;
}

/**
 * Reads each console file once, on first request, from `dir` (default CONSOLE_DIST); a missing
 * file stays missing until restart (the handler answers 404 with a hint to build it).
 *
 * @example
 * ```ts
 * const assets = createConsoleAssets();
 * assets.get('/console/app.js')?.body;
 * ```
 */
export function createConsoleAssets(dir: string = CONSOLE_DIST): ConsoleAssets {
  const cache = new Map<ConsoleAssetPath, { body: Buffer; type: string } | undefined>();
  return {
    get(path) {
      if (!cache.has(path)) {
        const { file, type } = FILES[path];
        let body: Buffer | undefined;
        try {
          body = readFileSync(new URL(file, `file://${dir.endsWith('/') ? dir : `${dir}/`}`));
        } catch {
          body = undefined;
        }
        cache.set(path, body === undefined ? undefined : { body, type });
      }
      return cache.get(path);
    },
  };
}
