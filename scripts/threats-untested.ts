// Lists the threats of docs/threat-model.md that no test names: rows whose `tested in` says
// `none`, or whose listed test files do not mention the threat's ID. Rows marked
// `out of scope: <why>` are listed separately and do not count. Exit 1 when a threat is untested.
// Run: npm run threats:untested [-- --json]
import { threatCoverage } from '../packages/shield/src/docs/threat-coverage.js';

const root = new URL('..', import.meta.url).pathname;
const coverage = threatCoverage(root);
const untested = coverage.filter((c) => c.status === 'untested');
const outOfScope = coverage.filter((c) => c.status === 'out-of-scope');

if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ untested, outOfScope }, null, 2)}\n`);
} else {
  for (const threat of untested) {
    process.stdout.write(
      `docs/threat-model.md:${threat.line}  ${threat.id}  untested: ${'reason' in threat ? threat.reason : ''}\n`,
    );
  }
  const tested = coverage.length - untested.length - outOfScope.length;
  process.stdout.write(
    `${coverage.length} threats: ${tested} named by a test, ${outOfScope.length} out of scope, ${untested.length} untested\n`,
  );
}
process.exitCode = untested.length > 0 ? 1 : 0;
