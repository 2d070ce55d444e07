import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { readAndroidFixture } from '../../../test/fixtures/android/android-fixtures.js';
import { AndroidParseError } from './android-parse-error.js';
import { findRevocationEntry, normalizeSerialHex, parseRevocationStatus } from './parse-revocation-status.js';

const SAMPLE = readAndroidFixture('google-sample/status-sample.json');

describe('parseRevocationStatus', () => {
  test("decodes Google's sample list, text or parsed JSON alike", () => {
    const status = parseRevocationStatus(SAMPLE);
    assert.equal(status.entries.size, 5);
    assert.deepEqual(status.entries.get('6681152659205225093'), {
      status: 'REVOKED',
      reason: 'KEY_COMPROMISE',
    });
    assert.deepEqual(parseRevocationStatus(JSON.parse(SAMPLE)), status);
  });

  test('finds the sample test certificate SUSPENDED by its serial number in any hex form', () => {
    const status = parseRevocationStatus(SAMPLE);
    const cert = new X509Certificate(readAndroidFixture('google-sample/revocation-test-cert-2019-08.pem'));
    assert.equal(cert.serialNumber, 'CC66E9A93713B6E643B26C15879786F7');
    assert.equal(findRevocationEntry(status, cert.serialNumber)?.status, 'SUSPENDED');
    assert.equal(findRevocationEntry(status, `00${cert.serialNumber.toLowerCase()}`)?.status, 'SUSPENDED');
    assert.equal(findRevocationEntry(status, '01'), undefined);
  });

  test('keys are normalised: lower case, no leading zeros', () => {
    assert.equal(normalizeSerialHex('0388266760658996860D'), '388266760658996860d');
    assert.equal(normalizeSerialHex('00'), '0');
    const status = parseRevocationStatus({ entries: { '00ABcd': { status: 'REVOKED' } } });
    assert.deepEqual([...status.entries.keys()], ['abcd']);
  });

  test('unknown fields are ignored, optional ones kept', () => {
    const status = parseRevocationStatus({
      entries: { a1: { status: 'SUSPENDED', reason: 'SOFTWARE_FLAW', expires: '2030-01-01', extra: 1 } },
      nextUpdate: 'soon',
    });
    assert.deepEqual(status.entries.get('a1'), {
      status: 'SUSPENDED',
      reason: 'SOFTWARE_FLAW',
      expires: '2030-01-01',
    });
  });

  const malformed: [string, unknown][] = [
    ['not JSON', '{"entries": '],
    ['an array', '[]'],
    ['no entries', {}],
    ['entries not an object', { entries: [] }],
    ['an entry without status', { entries: { a1: { reason: 'KEY_COMPROMISE' } } }],
    ['an empty status', { entries: { a1: { status: '' } } }],
    ['a key that is not hex', { entries: { 'not-hex': { status: 'REVOKED' } } }],
    ['null', null],
  ];
  for (const [name, input] of malformed) {
    test(`refuses ${name} with the typed error`, () => {
      assert.throws(
        () => parseRevocationStatus(input),
        (e: unknown) => e instanceof AndroidParseError && e.code === 'android_revocation_list_malformed',
      );
    });
  }
});
