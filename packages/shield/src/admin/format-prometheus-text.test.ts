import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPrometheusText } from './format-prometheus-text.js';
import { parseExposition } from './test-support/parse-exposition.js';

describe('formatPrometheusText', () => {
  test('writes HELP, TYPE and samples that a strict reader takes back unchanged', () => {
    const text = formatPrometheusText([
      {
        name: 'portcullis_requests_total',
        help: 'Requests.',
        type: 'counter',
        samples: [{ value: 3 }],
      },
      {
        name: 'portcullis_keys',
        help: 'Keys by status.',
        type: 'gauge',
        samples: [
          { labels: { status: 'active' }, value: 1 },
          { labels: { status: 'next' }, value: 0 },
        ],
      },
    ]);
    assert.equal(
      text,
      [
        '# HELP portcullis_requests_total Requests.',
        '# TYPE portcullis_requests_total counter',
        'portcullis_requests_total 3',
        '# HELP portcullis_keys Keys by status.',
        '# TYPE portcullis_keys gauge',
        'portcullis_keys{status="active"} 1',
        'portcullis_keys{status="next"} 0',
        '',
      ].join('\n'),
    );
    const parsed = parseExposition(text);
    assert.deepEqual(parsed.get('portcullis_keys')?.samples, [
      { labels: { status: 'active' }, value: 1 },
      { labels: { status: 'next' }, value: 0 },
    ]);
  });

  test('escapes backslash, double quote and line feed in label values, and backslash and line feed in help', () => {
    const tricky = 'a\\b"c\nd} e="f",g';
    const text = formatPrometheusText([
      {
        name: 'portcullis_tricky',
        help: 'Help with \\ and\na second line',
        type: 'gauge',
        samples: [{ labels: { value: tricky, other: '' }, value: 1 }],
      },
    ]);
    assert.equal(text.split('\n').length, 4, 'no raw line feed inside a line');
    assert.ok(text.includes('value="a\\\\b\\"c\\nd} e=\\"f\\",g"'));
    assert.ok(text.includes('# HELP portcullis_tricky Help with \\\\ and\\na second line'));
    const family = parseExposition(text).get('portcullis_tricky');
    assert.equal(family?.help, 'Help with \\ and\na second line');
    assert.deepEqual(family?.samples, [{ labels: { value: tricky, other: '' }, value: 1 }]);
  });

  test('spells NaN and infinities as the format wants; large and small numbers stay parseable', () => {
    const text = formatPrometheusText([
      {
        name: 'portcullis_values',
        help: 'Values.',
        type: 'gauge',
        samples: [
          { labels: { k: 'nan' }, value: Number.NaN },
          { labels: { k: 'inf' }, value: Number.POSITIVE_INFINITY },
          { labels: { k: 'ninf' }, value: Number.NEGATIVE_INFINITY },
          { labels: { k: 'big' }, value: 1e21 },
          { labels: { k: 'small' }, value: 5e-7 },
          { labels: { k: 'neg' }, value: -2.5 },
        ],
      },
    ]);
    assert.match(text, /k="nan"} NaN\n/);
    assert.match(text, /k="inf"} \+Inf\n/);
    assert.match(text, /k="ninf"} -Inf\n/);
    const values = parseExposition(text)
      .get('portcullis_values')
      ?.samples.map((s) => s.value);
    assert.deepEqual(values, [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e21,
      5e-7,
      -2.5,
    ]);
  });

  test('refuses names the format cannot carry and a family given twice', () => {
    const family = (name: string, labels?: Record<string, string>) => ({
      name,
      help: 'x',
      type: 'gauge' as const,
      samples: [labels === undefined ? { value: 1 } : { labels, value: 1 }],
    });
    assert.throws(() => formatPrometheusText([family('portcullis-bad')]), TypeError);
    assert.throws(() => formatPrometheusText([family('9lives')]), TypeError);
    assert.throws(() => formatPrometheusText([family('ok', { 'bad-label': 'x' })]), TypeError);
    assert.throws(() => formatPrometheusText([family('ok', { __reserved: 'x' })]), TypeError);
    assert.throws(() => formatPrometheusText([family('twice'), family('twice')]), TypeError);
    assert.equal(formatPrometheusText([]), '');
  });

  test('the strict reader refuses what the format does not allow (so the tests above can fail)', () => {
    for (const bad of [
      'portcullis_x 1\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_x{a="b} 1\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_x one\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_y 1\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x counter\nportcullis_x -1\n',
      '# HELP portcullis_x a \\q\n# TYPE portcullis_x gauge\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_x 1',
    ]) {
      assert.throws(() => parseExposition(bad), Error, bad);
    }
  });
});
