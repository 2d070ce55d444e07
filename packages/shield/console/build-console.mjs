#!/usr/bin/env node
// Builds the admin console into console/dist (served by the admin listener, shipped in the
// package): one ES module bundled by esbuild from console/src, and the static page and styles.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Builds the console; resolves when console/dist holds index.html, app.js and console.css. */
export async function buildConsole() {
  mkdirSync(here('./dist'), { recursive: true });
  await build({
    entryPoints: [here('./src/app.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    outfile: here('./dist/app.js'),
    logLevel: 'warning',
  });
  copyFileSync(here('./static/index.html'), here('./dist/index.html'));
  copyFileSync(here('./static/console.css'), here('./dist/console.css'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildConsole();
