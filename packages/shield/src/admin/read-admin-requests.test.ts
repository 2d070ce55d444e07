import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readAuditQuery } from './read-audit-query.js';
import { readDeviceListQuery } from './read-device-list-query.js';
import { readQueryParameters } from './read-query-parameters.js';
import { readRevokeRequest } from './read-revoke-request.js';

function refusedWith(run: () => unknown, reason: string, detailIncludes?: string) {
  assert.throws(run, (error: unknown) => {
    const failure = error as { code: string; reason: string; message: string };
    assert.equal(failure.code, 'bad_request');
    assert.equal(failure.reason, reason);
    if (detailIncludes !== undefined) assert.ok(failure.message.includes(detailIncludes), failure.message);
    return true;
  });
}

describe('readQueryParameters', () => {
  test('decodes names and values once; + stays a plus', () => {
    assert.deepEqual(
      [...readQueryParameters('after=ab%2Bc+d%3D&limit=5', ['after', 'limit'])],
      [
        ['after', 'ab+c+d='],
        ['limit', '5'],
      ],
    );
    assert.equal(readQueryParameters('after=%2541', ['after']).get('after'), '%41', 'decoded once');
    assert.equal(readQueryParameters('', ['a']).size, 0);
  });

  test('refuses unknown, repeated, empty and badly encoded parameters', () => {
    refusedWith(() => readQueryParameters('x=1', ['limit']), 'admin_query_parameter_unknown', 'limit');
    refusedWith(() => readQueryParameters('x=1', []), 'admin_query_parameter_unknown', 'no query');
    refusedWith(
      () => readQueryParameters('limit=1&limit=2', ['limit']),
      'admin_query_parameter_repeated',
      'limit',
    );
    refusedWith(() => readQueryParameters('limit=', ['limit']), 'admin_query_parameter_invalid', 'limit');
    refusedWith(() => readQueryParameters('limit', ['limit']), 'admin_query_parameter_invalid', 'limit');
    refusedWith(() => readQueryParameters('limit=%zz', ['limit']), 'admin_query_parameter_invalid', 'limit');
    refusedWith(() => readQueryParameters('limit=%C0%AF', ['limit']), 'admin_query_parameter_invalid');
    refusedWith(() => readQueryParameters('limit=1 2', ['limit']), 'admin_query_parameter_invalid');
    refusedWith(() => readQueryParameters('&', ['limit']), 'admin_query_parameter_unknown');
    refusedWith(() => readQueryParameters('__proto__=1', ['limit']), 'admin_query_parameter_unknown');
  });
});

describe('readAuditQuery', () => {
  test('defaults and every filter', () => {
    assert.deepEqual(readAuditQuery(''), { limit: 100 });
    assert.deepEqual(
      readAuditQuery('limit=1000&since=1714560000000&decision=deny&event=gateway&requestId=7d0c-1a.b:c_d'),
      { limit: 1000, since: 1714560000000, decision: 'deny', event: 'gateway', requestId: '7d0c-1a.b:c_d' },
    );
    assert.equal(readAuditQuery('since=2024-05-01T10:40:00Z').since, Date.UTC(2024, 4, 1, 10, 40));
    assert.equal(readAuditQuery('since=2024-05-01T10:40:00.5Z').since, Date.UTC(2024, 4, 1, 10, 40, 0, 500));
    assert.equal(readAuditQuery('since=0').since, 0);
  });

  test('refuses bad values, naming the parameter', () => {
    for (const [query, name] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=01', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1e2', 'limit'],
      ['limit=10.0', 'limit'],
      ['since=yesterday', 'since'],
      ['since=2024-02-30T00:00:00Z', 'since'],
      ['since=2024-05-01T25:00:00Z', 'since'],
      ['since=2024-05-01T10:40:00%2B02:00', 'since'],
      ['since=2024-05-01', 'since'],
      ['since=0050-01-01T00:00:00Z', 'since'],
      ['since=99999999999999999', 'since'],
      ['since=-5', 'since'],
      ['decision=maybe', 'decision'],
      ['decision=Allow', 'decision'],
      ['event=login', 'event'],
      ['requestId=a%20b', 'requestId'],
      [`requestId=${'a'.repeat(129)}`, 'requestId'],
    ] as const) {
      refusedWith(() => readAuditQuery(query), 'admin_query_parameter_invalid', name);
    }
    refusedWith(() => readAuditQuery('appId=shop'), 'admin_query_parameter_unknown');
  });
});

describe('readDeviceListQuery', () => {
  test('reads app, page size and the key id to continue after', () => {
    assert.deepEqual(readDeviceListQuery(''), { limit: 100 });
    assert.deepEqual(readDeviceListQuery('appId=shop&limit=2&after=ab%2Fc%2B%3D'), {
      appId: 'shop',
      limit: 2,
      afterKeyId: 'ab/c+=',
    });
  });

  test('refuses bad values, naming the parameter', () => {
    refusedWith(() => readDeviceListQuery('appId=Shop!'), 'admin_query_parameter_invalid', 'appId');
    refusedWith(() => readDeviceListQuery('after=%2E%2E'), 'admin_query_parameter_invalid', 'after');
    refusedWith(() => readDeviceListQuery('after=a%20b'), 'admin_query_parameter_invalid', 'after');
    refusedWith(() => readDeviceListQuery('limit=5000'), 'admin_query_parameter_invalid', 'limit');
    refusedWith(() => readDeviceListQuery('since=1'), 'admin_query_parameter_unknown');
  });
});

describe('readRevokeRequest', () => {
  test('takes exactly {reason} with 1-200 printable characters', () => {
    assert.deepEqual(readRevokeRequest({ reason: 'stolen phone, ticket 4711' }), {
      reason: 'stolen phone, ticket 4711',
    });
    assert.deepEqual(readRevokeRequest({ reason: 'x' }), { reason: 'x' });
    assert.deepEqual(readRevokeRequest({ reason: 'é'.repeat(200) }), { reason: 'é'.repeat(200) });
    assert.deepEqual(
      readRevokeRequest({ reason: '😀'.repeat(200) }),
      { reason: '😀'.repeat(200) },
      'code points',
    );
  });

  test('refuses other shapes and unprintable reasons', () => {
    for (const body of [null, [], 'stolen', 7, {}, { reason: 'x', extra: 1 }, { why: 'x' }]) {
      refusedWith(() => readRevokeRequest(body), 'admin_revoke_body_invalid');
    }
    for (const reason of [
      '',
      '   ',
      '\u00a0',
      'a'.repeat(201),
      'line\nbreak',
      'tab\there',
      'bell\u0007',
      'bidi\u202eoverride',
      'zero\u200bwidth',
      'sep\u2028arator',
      'lone\ud800surrogate',
      7,
      null,
      ['x'],
    ]) {
      refusedWith(() => readRevokeRequest({ reason }), 'admin_revoke_reason_invalid', 'reason');
    }
  });
});
