import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPORT_BEGIN, REPORT_END, replaceReportSection } from './render-report.js';

test('the generated section is replaced in place, keeping the prose around it', () => {
  const doc = `# Benchmarks\n\nWhy.\n\n${REPORT_BEGIN}\n\nold table\n\n${REPORT_END}\n\n## Notes\n`;
  const updated = replaceReportSection(doc, 'new table');
  assert.equal(
    updated,
    `# Benchmarks\n\nWhy.\n\n${REPORT_BEGIN}\n\nnew table\n\n${REPORT_END}\n\n## Notes\n`,
  );
  assert.equal(replaceReportSection(updated, 'new table'), updated);
});

test('a document without the markers gets the section appended', () => {
  const updated = replaceReportSection('# Benchmarks\n', 'table');
  assert.ok(updated.startsWith('# Benchmarks\n\n'));
  assert.ok(updated.endsWith(`${REPORT_BEGIN}\n\ntable\n\n${REPORT_END}\n`));
});
