import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from './error-catalog.js';

// Regenerates docs/errors.md from the code (`npm run docs:errors`).
const target = new URL('../../../../docs/errors.md', import.meta.url);
writeFileSync(target, renderErrorsDoc());
process.stdout.write(`wrote ${target.pathname}\n`);
