#!/usr/bin/env node
// The `portcullis` command of the published package: plain Node on the built JavaScript
// (`npm run build` writes dist/). In this repository, `npm run portcullis -- ...` runs the same
// CLI from its TypeScript sources instead.
import '../dist/cli/entry.js';
