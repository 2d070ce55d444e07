import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Size budget of everything `@portcullis/client` exports (core, providers, bridge adapters), gzip
 * bytes: it ships in every app. 15.3 KiB when set (0.1.0); raise it only on purpose.
 */
export const CLIENT_GZIP_BUDGET_BYTES = 18_000;

export interface BundleSize {
  /** Minified bytes. */
  raw: number;
  /** Gzip bytes (level 9). */
  gzip: number;
  /** Every module the bundle still imports at run time (none expected). */
  externalImports: string[];
  /** Inputs that went into the bundle, relative to the repository root. */
  inputs: string[];
  text: string;
}

const SOURCE = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Bundles `exports` (a module text re-exporting from `packages/client/src/index.ts`) with esbuild
 * for a platform-neutral runtime, minified and tree-shaken, and measures it. No Node built-in can
 * be resolved for that platform: a `node:` import anywhere fails the build.
 *
 * @example
 * ```ts
 * const { raw, gzip } = await measureClientBundle("export * from './index.ts';");
 * ```
 */
export async function measureClientBundle(exports: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: exports, resolveDir: SOURCE, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('esbuild produced no output');
  const meta = Object.values(result.metafile.outputs)[0];
  return {
    raw: output.contents.byteLength,
    gzip: gzipSync(output.contents, { level: 9 }).byteLength,
    externalImports: (meta?.imports ?? []).map((i) => i.path),
    inputs: Object.entries(meta?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
    text: output.text,
  };
}

/** Everything the package exports. */
export const EVERYTHING = "export * from './index.ts';";
/** The core alone: the client and its error, without providers or bridge adapters. */
export const CORE_ONLY = "export { createPortcullis, PortcullisError } from './index.ts';";

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  for (const [name, exports] of [
    ['core (createPortcullis, PortcullisError)', CORE_ONLY],
    ['everything (core, providers, bridge adapters)', EVERYTHING],
  ] as const) {
    const size = await measureClientBundle(exports);
    process.stdout.write(
      `@portcullis/client ${name}: ${kb(size.raw)} minified, ${kb(size.gzip)} gzip, ` +
        `${size.inputs.length} modules, ${size.externalImports.length} run-time imports\n`,
    );
  }
  process.stdout.write(`budget for everything: ${kb(CLIENT_GZIP_BUDGET_BYTES)} gzip\n`);
}
