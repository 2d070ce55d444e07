import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  authorizationBindingHash,
  formatProofHeader,
  MAX_PROOF_HEADER_LENGTH,
  MAX_PROOF_SIGNATURE_BYTES,
  PROOF_HEADER_REFUSALS,
  parseProofHeader,
  proofMessage,
} from '../src/index.js';

// The published vectors live in docs/protocol.md §4.7 only: this test reads them from there, so
// the document a third-party client checks itself against is the one the code is checked against.
const DOC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

function section4(): string {
  const start = DOC.indexOf('\n## 4. ');
  const end = DOC.indexOf('\n## 5. ');
  assert.ok(start > 0 && end > start, 'docs/protocol.md has a §4 followed by a §5');
  return DOC.slice(start, end);
}

function vectorBlock(kind: string): Record<string, unknown>[] {
  const blocks = [...section4().matchAll(/```json\n([\s\S]*?)\n```/g)].map(
    (m) => JSON.parse(m[1]!) as { kind: string; vectors: Record<string, unknown>[] },
  );
  const block = blocks.filter((b) => b.kind === kind);
  assert.equal(block.length, 1, `exactly one ${kind} block in §4`);
  assert.ok(block[0]!.vectors.length > 0);
  return block[0]!.vectors;
}

const nodeSha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();
const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('docs/protocol.md §4.7 vectors', () => {
  test('proof messages: exact message and each hash, with @noble/hashes and with node:crypto', () => {
    for (const v of vectorBlock('proof-message')) {
      const input = {
        method: v['method'] as string,
        target: v['target'] as string,
        body: utf8(v['body'] as string),
        timestampMs: v['timestampMs'] as number,
        token: v['token'] as string,
        authorization: v['authorization'] as string | undefined,
      };
      const message = proofMessage(input);
      assert.equal(message, v['message'], v['name'] as string);
      assert.equal(proofMessage(input, nodeSha256), message, 'the hash implementation does not matter');
      const lines = message.split('\n');
      assert.equal(lines.length, 7);
      assert.equal(lines[3], v['bodyHash']);
      assert.equal(lines[5], v['tokenHash']);
      assert.equal(lines[6], v['authorizationHash']);
      if (input.authorization !== undefined) {
        assert.equal(authorizationBindingHash(input.authorization), v['authorizationHash']);
      }
    }
  });

  test('authorization binding hashes: exact bytes, no canonicalisation; refused values throw', () => {
    for (const v of vectorBlock('authorization-binding')) {
      const value = v['authorization'] as string;
      if (v['ath'] === null) {
        assert.throws(() => authorizationBindingHash(value), TypeError, JSON.stringify(value));
      } else {
        assert.equal(authorizationBindingHash(value), v['ath'], value);
        assert.equal(authorizationBindingHash(value, nodeSha256), v['ath'], value);
      }
    }
  });

  test('proof headers: parsed values and refusals', () => {
    for (const v of vectorBlock('proof-header')) {
      const parsed = parseProofHeader(v['header'] as string);
      if (v['refusal'] !== undefined) {
        assert.deepEqual(parsed, { ok: false, refusal: v['refusal'] }, v['header'] as string);
      } else {
        assert.ok(parsed.ok, v['header'] as string);
        assert.equal(parsed.timestampMs, v['timestampMs']);
        assert.equal(hex(parsed.signature), v['signatureHex']);
        assert.equal(formatProofHeader(parsed.timestampMs, parsed.signature), v['header']);
      }
    }
  });

  test('signed vectors: the header timestamp is the message timestamp, and the messages are vector 1', () => {
    const first = vectorBlock('proof-message')[0]!;
    for (const v of vectorBlock('signed-proof')) {
      assert.equal(v['message'], first['message']);
      for (const header of [v['header'], v['highSTwin']].filter((h) => h !== undefined)) {
        const parsed = parseProofHeader(header as string);
        assert.ok(parsed.ok);
        assert.equal(String(parsed.timestampMs), (v['message'] as string).split('\n')[4]);
      }
    }
  });

  test('every refusal the parser can give is listed in PROOF_HEADER_REFUSALS and exercised by a vector', () => {
    const refusals = new Set(vectorBlock('proof-header').map((v) => v['refusal']));
    for (const { refusal } of PROOF_HEADER_REFUSALS) {
      if (refusal === 'too_long') continue; // a 5483-character vector does not belong in a document
      assert.ok(refusals.has(refusal), refusal);
    }
  });
});

describe('proofMessage', () => {
  const base = {
    method: 'POST',
    target: '/pay',
    body: new Uint8Array(0),
    timestampMs: 1_795_867_200_000,
    token: 'a.b.c',
  };

  test('each field changes the message (nothing is ignored)', () => {
    const reference = proofMessage(base);
    const variants = [
      { ...base, method: 'PUT' },
      { ...base, method: 'post' },
      { ...base, target: '/pay?' },
      { ...base, target: '/pay?a=1' },
      { ...base, target: '/Pay' },
      { ...base, target: '/pay/' },
      { ...base, body: new Uint8Array([0]) },
      { ...base, timestampMs: base.timestampMs + 1 },
      { ...base, token: 'a.b.d' },
      { ...base, authorization: 'Bearer x' },
    ];
    const messages = new Set([reference, ...variants.map((v) => proofMessage(v))]);
    assert.equal(messages.size, variants.length + 1);
  });

  test('refuses parts that cannot appear unchanged in a request, naming the field', () => {
    const bad: [Partial<typeof base> & { authorization?: string }, RegExp][] = [
      [{ method: '' }, /method/],
      [{ method: 'PO ST' }, /method/],
      [{ method: 'GET\n' }, /method/],
      [{ target: '' }, /target/],
      [{ target: 'pay' }, /target/],
      [{ target: 'http://evil.example/pay' }, /target/],
      [{ target: '/pay\nPOST' }, /target/],
      [{ target: '/pay x' }, /target/],
      [{ target: '/caf\u00e9' }, /target/],
      [{ target: `/${'a'.repeat(8192)}` }, /target/],
      [{ timestampMs: -1 }, /timestampMs/],
      [{ timestampMs: 1.5 }, /timestampMs/],
      [{ timestampMs: Number.MAX_SAFE_INTEGER + 1 }, /timestampMs/],
      [{ token: '' }, /token/],
      [{ token: 'a.b c' }, /token/],
      [{ authorization: '' }, /authorization/],
      [{ authorization: 'Bearer x\n' }, /authorization/],
    ];
    for (const [change, field] of bad) {
      assert.throws(() => proofMessage({ ...base, ...change }), { name: 'TypeError', message: field });
    }
    assert.throws(() => proofMessage({ ...base, body: 'text' as unknown as Uint8Array }), /body/);
  });

  test('property: seven lines, ASCII only, and the fields read back unchanged', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{1,10}$/),
        fc.stringMatching(/^\/[\x21-\x7e]{0,60}$/),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.option(fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/), { nil: undefined }),
        (method, target, body, timestampMs, authorization) => {
          const message = proofMessage({ method, target, body, timestampMs, token: 'x.y.z', authorization });
          const lines = message.split('\n');
          assert.equal(lines.length, 7);
          assert.match(message.replaceAll('\n', ' '), /^[\x20-\x7e]+$/);
          assert.deepEqual(lines.slice(0, 3), ['portcullis-proof-v1', method, target]);
          assert.equal(lines[4], String(timestampMs));
          assert.equal(lines[3], nodeSha256(body).toString('base64url'));
          assert.equal(lines[6], authorization === undefined ? '' : authorizationBindingHash(authorization));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('formatProofHeader and parseProofHeader', () => {
  test('round trip for any timestamp and signature (property), and the parse is the only spelling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        (timestampMs, signature) => {
          const header = formatProofHeader(timestampMs, signature);
          const parsed = parseProofHeader(header);
          assert.ok(parsed.ok);
          assert.equal(parsed.timestampMs, timestampMs);
          assert.deepEqual(Buffer.from(parsed.signature), Buffer.from(signature));
          assert.equal(Buffer.from(signature).toString('base64url'), header.split('.')[2]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: every value the parser accepts is exactly what the formatter writes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^v1\.[0-9+-]{1,18}\.[A-Za-z0-9_+/=-]{0,12}$/), (header) => {
        const parsed = parseProofHeader(header);
        if (parsed.ok) assert.equal(formatProofHeader(parsed.timestampMs, parsed.signature), header);
      }),
      { numRuns: 1000 },
    );
  });

  test('length caps: the largest signature fits, one byte more or a longer value is refused', () => {
    const largest = formatProofHeader(Number.MAX_SAFE_INTEGER, new Uint8Array(MAX_PROOF_SIGNATURE_BYTES));
    assert.equal(largest.length, MAX_PROOF_HEADER_LENGTH);
    assert.ok(parseProofHeader(largest).ok);
    assert.deepEqual(parseProofHeader(`${largest}A`), { ok: false, refusal: 'too_long' });
    const over = `v1.1.${Buffer.alloc(MAX_PROOF_SIGNATURE_BYTES + 1).toString('base64url')}`;
    assert.ok(over.length <= MAX_PROOF_HEADER_LENGTH);
    assert.deepEqual(parseProofHeader(over), { ok: false, refusal: 'signature' });
    assert.throws(() => formatProofHeader(1, new Uint8Array(MAX_PROOF_SIGNATURE_BYTES + 1)), TypeError);
    assert.throws(() => formatProofHeader(1, new Uint8Array(0)), TypeError);
    assert.throws(() => formatProofHeader(-1, new Uint8Array(1)), TypeError);
  });

  test('non-strings are refused, never thrown on', () => {
    for (const value of [undefined, null, 42, ['v1.1.AA'], {}]) {
      assert.deepEqual(parseProofHeader(value as unknown as string), { ok: false, refusal: 'malformed' });
    }
  });
});
