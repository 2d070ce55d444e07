import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatRateLimitHeaders } from './format-rate-limit-headers.js';
import { parseJsonPath } from './parse-json-path.js';
import { readBodyField } from './read-body-field.js';
import { readBodyJson } from './read-body-json.js';
import { readRequestCost } from './read-request-cost.js';

function paths(...list: string[]) {
  return list.map((p) => {
    const parsed = parseJsonPath(p);
    assert.ok(parsed !== null, p);
    return parsed;
  });
}

function cost(body: string, ...list: string[]): number | null {
  const document = readBodyJson(Buffer.from(body));
  return document === null ? null : readRequestCost(document, paths(...list), 'elements');
}

function addresses(body: string, ...list: string[]): number | null {
  const document = readBodyJson(Buffer.from(body));
  return document === null ? null : readRequestCost(document, paths(...list), 'addresses');
}

describe('parseJsonPath', () => {
  test('the small dialect: names, indexes, [*], a final .length', () => {
    assert.deepEqual(parseJsonPath('$.recipients.length'), [
      { kind: 'name', name: 'recipients' },
      { kind: 'length' },
    ]);
    assert.deepEqual(parseJsonPath('$.personalizations[*].to[0]'), [
      { kind: 'name', name: 'personalizations' },
      { kind: 'each' },
      { kind: 'name', name: 'to' },
      { kind: 'index', index: 0 },
    ]);
    assert.deepEqual(parseJsonPath('$'), []);
    for (const bad of [
      'to',
      '$.',
      '$..to',
      '$[01]',
      '$[-1]',
      "$['to']",
      '$.to[',
      '$.a b',
      `$${'.a'.repeat(17)}`,
    ]) {
      assert.equal(parseJsonPath(bad), null, bad);
    }
  });
});

describe("readRequestCost, count: 'elements'", () => {
  test('array lengths, comma lists, numbers; paths add up; at least 1', () => {
    assert.equal(cost('{"to":["a@x.io","b@x.io","c@x.io"]}', '$.to'), 3);
    assert.equal(cost('{"to":["a@x.io","b@x.io"]}', '$.to.length'), 2);
    assert.equal(
      cost('{"to":["a@x.io"],"cc":"b@x.io, c@x.io;d@x.io","bcc":null}', '$.to', '$.cc', '$.bcc'),
      4,
    );
    assert.equal(cost('{"recipients":{"count":12}}', '$.recipients.count'), 12);
    assert.equal(cost('{"to":[]}', '$.to'), 1);
    assert.equal(
      cost(
        '{"personalizations":[{"to":["a","b"]},{"to":["c"],"cc":["d"]},{}]}',
        '$.personalizations[*].to',
        '$.personalizations[*].cc',
      ),
      4,
    );
  });

  test('unreadable costs are null: smuggled shapes never count as zero', () => {
    const unreadable: [string, string][] = [
      ['not json', '$.to'],
      ['["a","b"]', '$.to'],
      ['{"to":["a"],"to":["b","c","d"]}', '$.to'],
      ['{"subject":"hi"}', '$.to'],
      ['{"to":{"0":"a","1":"b"}}', '$.to'],
      ['{"to":{"length":0}}', '$.to.length'],
      ['{"to":"a@x.io"}', '$.to.length'],
      ['{"count":-3}', '$.count'],
      ['{"count":1.5}', '$.count'],
      ['{"count":true}', '$.count'],
      ['{"to":[1]}', '$.to[*].x[*]'],
      ['\ufeff{"to":["a"]}', '$.to'],
    ];
    for (const [body, path] of unreadable) assert.equal(cost(body, path), null, body);
    assert.equal(readBodyJson(Buffer.from([0xff, 0xfe])), null);
    assert.equal(readBodyJson(Buffer.from(`${'['.repeat(70)}${']'.repeat(70)}`)), null);
  });

  test('a member spelled only in another case is unreadable, not absent (case-insensitive backends read it)', () => {
    assert.equal(cost('{"TO":["a","b","c"],"cc":["d"]}', '$.to', '$.cc'), null);
    assert.equal(cost('{"p":[{"To":["a","b"]}]}', '$.p[*].to'), null);
    assert.equal(cost('{"cc":["d"]}', '$.to', '$.cc'), 1, 'a member absent in every spelling adds nothing');
  });
});

describe("readRequestCost, count: 'addresses'", () => {
  test('every address counts, wherever it is: lists in one element, nested arrays, cc and bcc', () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => `u${i}@x.io`).join(',');
    assert.equal(addresses(JSON.stringify({ to: [thousand] }), '$.to'), 1000);
    assert.equal(cost(JSON.stringify({ to: [thousand] }), '$.to'), 1, "what 'elements' counts");
    assert.equal(addresses('{"to":["a@x.io; b@x.io","c@x.io d@x.io\\ne@x.io"]}', '$.to'), 5);
    assert.equal(addresses('{"to":[["a@x.io",["b@x.io"]],[],null]}', '$.to'), 2);
    assert.equal(
      addresses('{"to":"a@x.io","cc":["b@x.io, c@x.io"],"bcc":[["d@x.io"]]}', '$.to', '$.cc', '$.bcc'),
      4,
    );
    assert.equal(addresses('{"to":["\\"Ana\\" <ana@x.io>","Bo Li <bo@x.io>"]}', '$.to'), 2);
    assert.equal(addresses('{"to":"","cc":[]}', '$.to', '$.cc'), 1, 'at least 1');
  });

  test("providers' recipient objects count by their email member, or by a path to it", () => {
    const sendgrid =
      '{"personalizations":[{"to":[{"email":"a@x.io","name":"A"},{"email":"b@x.io, c@x.io"}],"cc":[{"email":"d@x.io"}]},{"to":[{"email":"e@x.io"}]}]}';
    assert.equal(
      addresses(
        sendgrid,
        '$.personalizations[*].to',
        '$.personalizations[*].cc',
        '$.personalizations[*].bcc',
      ),
      5,
    );
    assert.equal(addresses(sendgrid, '$.personalizations[*].to[*].email'), 4);
    assert.equal(addresses('{"to":{"email":"a@x.io","name":"Ana, Lopez"}}', '$.to'), 1);
  });

  test('shapes that are not recipients are unreadable, never zero', () => {
    for (const [body, path] of [
      ['{"to":5}', '$.to'],
      ['{"to":[15550100001]}', '$.to'],
      ['{"to":[true]}', '$.to'],
      ['{"to":[{"name":"Ana"}]}', '$.to'],
      ['{"to":[{"Email":"a@x.io"}]}', '$.to'],
      ['{"to":"Ana <a@x.io, b@x.io>"}', '$.to'],
      ['{"to":"<a@x.io"}', '$.to'],
    ] as const) {
      assert.equal(addresses(body, path), null, body);
    }
    assert.equal(addresses('{"To":["a@x.io","b@x.io"],"cc":"c@x.io"}', '$.to', '$.cc'), null);
  });
});

describe('readBodyField', () => {
  test('identifiers are normalised so spellings of one number or address share a bucket', () => {
    const read = (body: string, path: string) =>
      readBodyField(readBodyJson(Buffer.from(body))!, parseJsonPath(path)!);
    assert.equal(read('{"phone":"+1 (555) 010-9999"}', '$.phone'), '15550109999');
    assert.equal(read('{"phone":"15550109999"}', '$.phone'), '15550109999');
    assert.equal(read('{"user":{"email":"Ａlice@Example.COM"}}', '$.user.email'), 'alice@examplecom');
    assert.equal(read('{"ids":[42]}', '$.ids[0]'), '42');
    for (const [body, path] of [
      ['{"phone":null}', '$.phone'],
      ['{"phone":{"n":"1"}}', '$.phone'],
      ['{"phone":" - "}', '$.phone'],
      ['{}', '$.phone'],
    ] as const) {
      assert.equal(read(body, path), null, body);
    }
  });
});

describe('formatRateLimitHeaders', () => {
  test('draft-ietf-httpapi-ratelimit-headers syntax: quoted policy names with q/w and r/t', () => {
    assert.deepEqual(
      formatRateLimitHeaders([
        { policy: 'device', quota: 5, windowSeconds: 3600, remaining: 0, resetSeconds: 42 },
        { policy: 'global', quota: 500, windowSeconds: 3600, remaining: 499, resetSeconds: 8 },
      ]),
      {
        policy: '"device";q=5;w=3600, "global";q=500;w=3600',
        rateLimit: '"device";r=0;t=42, "global";r=499;t=8',
      },
    );
  });
});
