import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type JsonWebKeyLike, parseProofHeader } from '@portcullis/protocol';
import { verifyProofSignature } from './verify-proof-signature.js';

// The signed vectors a third-party verifier checks itself against (docs/protocol.md §4.7), read
// from the document and verified with the shield's own verifier.
const DOC = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');

interface SignedVector {
  platform: 'ios' | 'android';
  publicKeyJwk: JsonWebKeyLike;
  message: string;
  header: string;
  highSTwin?: string;
  appId?: string;
  keyId?: string;
  storedCounter?: number;
  counter?: number;
}

function signedVectors(): SignedVector[] {
  const section = DOC.slice(DOC.indexOf('\n## 4. '), DOC.indexOf('\n## 5. '));
  for (const match of section.matchAll(/```json\n([\s\S]*?)\n```/g)) {
    const block = JSON.parse(match[1]!) as { kind: string; vectors: SignedVector[] };
    if (block.kind === 'signed-proof') return block.vectors;
  }
  throw new Error('docs/protocol.md §4.7 has no signed-proof block');
}

function signature(header: string): Uint8Array {
  const parsed = parseProofHeader(header);
  assert.ok(parsed.ok, header);
  return parsed.signature;
}

test('docs/protocol.md §4.7 signed proofs verify, and only over their own message', () => {
  const vectors = signedVectors();
  assert.deepEqual(vectors.map((v) => v.platform).sort(), ['android', 'ios']);
  const tampered = (message: string) => message.replace('cart=42', 'cart=43');
  for (const v of vectors) {
    const appIds = v.appId === undefined ? [] : [v.appId];
    const key = { publicKeyJwk: v.publicKeyJwk, counter: v.storedCounter ?? 0 };
    const verify = (header: string, message = v.message, k = key) =>
      verifyProofSignature({ platform: v.platform, signature: signature(header), message }, k, { appIds });
    if (v.platform === 'android') {
      assert.deepEqual(verify(v.header), { ok: true, counter: null });
      assert.ok(v.highSTwin !== undefined);
      assert.notEqual(v.highSTwin, v.header);
      assert.deepEqual(verify(v.highSTwin), { ok: true, counter: null }, 'the twin verifies too');
      assert.equal(verify(v.header, tampered(v.message)).ok, false);
    } else {
      assert.deepEqual(verify(v.header), { ok: true, counter: v.counter });
      assert.equal(
        verify(v.header, v.message, { ...key, counter: v.counter! }).ok,
        false,
        'counter must increase',
      );
      assert.equal(verify(v.header, tampered(v.message)).ok, false);
    }
  }
});
