#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx, so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/entry.ts');
