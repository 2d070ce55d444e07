#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx, so the workspace needs no build step.
// tsx reads the tsconfig of the current directory by default; the ASN.1 schemas need this
// project's compiler settings (legacy decorators) wherever the command is run from, and cluster
// workers inherit the setting through the environment.
import { fileURLToPath } from 'node:url';

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/entry.ts');
