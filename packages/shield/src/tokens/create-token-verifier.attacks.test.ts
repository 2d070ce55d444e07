/**
 * Threats §C of docs/threat-model.md (app tokens and proofs), every case that concerns app tokens, as tables: each
 * forged token and the exact refusal reason it must produce. C-28 (duplicate credentials) is
 * the gateway's; C-30 (rotation edge) lives in create-key-store.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import type { AppTokenClaims } from '@portcullis/protocol';
import { createManualClock } from '../clock.js';
import { decodeBase64UrlStrict } from '../encoding.js';
import { isShieldError } from '../errors.js';
import { createStaticKeySource } from './create-static-key-source.js';
import {
  createTokenVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './create-token-verifier.js';
import type { VerificationKey, VerificationKeySource } from './types.js';

const NOW = 1_780_000_000; // seconds; pinned
const clock = createManualClock(NOW * 1000);
const ISSUER = 'https://shield.example';
const AUDIENCE = 'com.our.app';

const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ES_KID = 'es-key-1';
const ED_KID = 'ed-key-1';
const keyList: VerificationKey[] = [
  { kid: ES_KID, alg: 'ES256', publicKey: es.publicKey },
  { kid: ED_KID, alg: 'EdDSA', publicKey: ed.publicKey },
];

/** A key source that records every kid it is asked for (C-06: the kid only indexes a map). */
function spySource(): VerificationKeySource & { lookups: string[] } {
  const inner = createStaticKeySource(keyList);
  const lookups: string[] = [];
  return {
    lookups,
    verificationKey(kid) {
      lookups.push(kid);
      return inner.verificationKey(kid);
    },
  };
}

function makeVerifier(overrides: Partial<TokenVerifierOptions> = {}): TokenVerifier {
  return createTokenVerifier({
    keys: createStaticKeySource(keyList),
    issuer: ISSUER,
    audiences: [AUDIENCE],
    clock,
    clockToleranceSeconds: 30,
    maxLifetimeSeconds: 300,
    cache: { maxEntries: 0 },
    ...overrides,
  });
}

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64url');

type Signer = (input: string) => string;
const es256 =
  (key: KeyObject = es.privateKey): Signer =>
  (input) =>
    b64(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
const eddsa: Signer = (input) => b64(sign(null, Buffer.from(input), ed.privateKey));
const hs256 =
  (secret: string | Buffer): Signer =>
  (input) =>
    b64(createHmac('sha256', secret).update(input).digest());

const HEADER = { alg: 'ES256', typ: 'app+jwt', kid: ES_KID };

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    sub: 'shop',
    aud: [AUDIENCE],
    iat: NOW,
    exp: NOW + 300,
    jti: 'jti-1',
    plt: 'ios',
    lvl: 'hardware',
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** Builds a compact JWS from raw JSON text (or objects), signed by `signer`. */
function forge(
  header: string | object = HEADER,
  payload: string | object = claims(),
  signer: Signer = es256(),
): string {
  const h = b64(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return `${h}.${p}.${signer(`${h}.${p}`)}`;
}

function outcome(verifier: TokenVerifier, token: string): { reason: string; code?: string } {
  try {
    verifier.verifySync(token);
    return { reason: 'valid' };
  } catch (error) {
    assert.ok(isShieldError(error), String(error));
    return { reason: error.reason, code: error.code };
  }
}

interface Case {
  name: string;
  token: () => string;
  want: string;
  verifier?: () => TokenVerifier;
}

function runTable(cases: Case[]): void {
  for (const c of cases) {
    test(`${c.name} → ${c.want}`, () => {
      const got = outcome((c.verifier ?? makeVerifier)(), c.token());
      assert.equal(got.reason, c.want);
      if (c.want !== 'valid') {
        assert.equal(got.code, c.want === 'token_expired' ? 'token_expired' : 'token_invalid');
      }
    });
  }
}

test('baseline: a genuine token verifies (ES256 and EdDSA)', () => {
  assert.equal(outcome(makeVerifier(), forge()).reason, 'valid');
  assert.equal(
    outcome(makeVerifier(), forge({ alg: 'EdDSA', typ: 'app+jwt', kid: ED_KID }, claims(), eddsa)).reason,
    'valid',
  );
});

describe('C-01 alg none family', () => {
  const cases: Case[] = [];
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const header = { alg, typ: 'app+jwt', kid: ES_KID };
    cases.push({
      name: `${alg} with an empty signature`,
      token: () => forge(header, claims(), () => ''),
      want: 'token_malformed',
    });
    cases.push({
      name: `${alg} keeping the original signature`,
      token: () => {
        const genuine = forge().split('.')[2]!;
        return forge(header, claims(), () => genuine);
      },
      want: 'token_alg_not_allowed',
    });
  }
  runTable(cases);
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** 64 bytes take 86 characters; the last one carries 4 unused bits, which must be zero. */
const flipLowBit = (char: string): string => ALPHABET[ALPHABET.indexOf(char) ^ 1]!;

describe('C-02 signature stripped or structure broken', () => {
  const [h, p, s] = forge().split('.') as [string, string, string];
  const genuine = `${h}.${p}.${s}`;
  runTable(
    [
      ['h.p.', `${h}.${p}.`],
      ['h.p', `${h}.${p}`],
      ['.p.s', `.${p}.${s}`],
      ['h..s', `${h}..${s}`],
      ['h.p.s.', `${genuine}.`],
      ['h.p.s.extra', `${genuine}.extra`],
      ['empty string', ''],
      ['surrounding spaces', ` ${genuine} `],
      ['leading tab', `\t${genuine}`],
      ['trailing newline', `${genuine}\n`],
      ['two tokens joined by a comma', `${genuine},${genuine}`],
      ['padded signature', `${genuine}==`],
      ['standard base64 alphabet', `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`],
      ['non-canonical trailing bits in the signature', `${h}.${p}.${s.slice(0, -1)}${flipLowBit(s.at(-1)!)}`],
    ].map(([name, token]) => ({ name: name!, token: () => token!, want: 'token_malformed' })),
  );
  test('the canonical-bits control: the genuine token passes', () => {
    assert.equal(outcome(makeVerifier(), genuine).reason, 'valid');
  });
});

describe('C-03 algorithm confusion (ES → HS) with the real kid', () => {
  const pem = es.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const der = es.publicKey.export({ format: 'der', type: 'spki' });
  const jwk = es.publicKey.export({ format: 'jwk' });
  const raw = Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const header = { alg: 'HS256', typ: 'app+jwt', kid: ES_KID };
  runTable(
    (
      [
        ['PEM text with trailing newline', pem],
        ['PEM text without trailing newline', pem.trimEnd()],
        ['DER bytes', der],
        ['JWK JSON string', JSON.stringify(jwk)],
        ['raw x||y', raw],
      ] as const
    ).map(([name, secret]) => ({
      name,
      token: () => forge(header, claims(), hs256(secret)),
      want: 'token_alg_not_allowed',
    })),
  );
});

describe('C-04 algorithm not on the allow-list although the key type fits', () => {
  const cases: Case[] = ['ES384', 'ES512', 'ES256K', 'PS256', 'RS256', 'HS512', 'Ed25519'].map((alg) => ({
    name: `${alg} with the P-256 kid`,
    token: () => forge({ alg, typ: 'app+jwt', kid: ES_KID }),
    want: 'token_alg_not_allowed',
  }));
  cases.push(
    {
      name: 'EdDSA header naming the ES256 kid (alg pinned per kid)',
      token: () => forge({ alg: 'EdDSA', typ: 'app+jwt', kid: ES_KID }, claims(), eddsa),
      want: 'token_alg_not_allowed',
    },
    {
      name: 'ES256 header naming the Ed25519 kid',
      token: () => forge({ alg: 'ES256', typ: 'app+jwt', kid: ED_KID }),
      want: 'token_alg_not_allowed',
    },
    {
      name: 'EdDSA when the verifier allows ES256 only',
      token: () => forge({ alg: 'EdDSA', typ: 'app+jwt', kid: ED_KID }, claims(), eddsa),
      want: 'token_alg_not_allowed',
      verifier: () => makeVerifier({ algorithms: ['ES256'] }),
    },
    {
      name: 'the same key under a different kid',
      token: () => forge({ alg: 'ES256', typ: 'app+jwt', kid: 'es-key-2' }),
      want: 'token_kid_unknown',
    },
    {
      name: 'alg missing',
      token: () => forge({ typ: 'app+jwt', kid: ES_KID }),
      want: 'token_alg_not_allowed',
    },
    {
      name: 'alg not a string',
      token: () => forge({ alg: ['ES256'], typ: 'app+jwt', kid: ES_KID }),
      want: 'token_alg_not_allowed',
    },
  );
  runTable(cases);
});

describe('typ (RFC 8725 §3.11 explicit typing)', () => {
  runTable(
    [
      ['typ missing', { alg: 'ES256', kid: ES_KID }],
      ['typ JWT', { alg: 'ES256', typ: 'JWT', kid: ES_KID }],
      ['typ APP+JWT (exact match, no case folding)', { alg: 'ES256', typ: 'APP+JWT', kid: ES_KID }],
      ['typ application/app+jwt', { alg: 'ES256', typ: 'application/app+jwt', kid: ES_KID }],
      ['typ dpop+jwt (a proof is not an app token)', { alg: 'ES256', typ: 'dpop+jwt', kid: ES_KID }],
    ].map(([name, header]) => ({
      name: name as string,
      token: () => forge(header as object),
      want: 'token_typ_invalid',
    })),
  );
});

describe('C-06 kid injection: refused before any lookup, as fast as any refusal', () => {
  const injections: [string, unknown, string][] = [
    ['/dev/null', '/dev/null', 'token_kid_invalid'],
    ['/invalid_path', '/invalid_path', 'token_kid_invalid'],
    ['SQL', "x' UNION SELECT '1';--", 'token_kid_invalid'],
    ['shell pipe', '|sleep 10', 'token_kid_invalid'],
    ['command substitution', '$(curl 127.0.0.2:9)', 'token_kid_invalid'],
    ['number', 1, 'token_kid_invalid'],
    ['object', { id: ES_KID }, 'token_kid_invalid'],
    ['array', [ES_KID], 'token_kid_invalid'],
    ['null', null, 'token_kid_invalid'],
    ['NUL byte', `${ES_KID}\u0000`, 'token_kid_invalid'],
    ['empty', '', 'token_kid_invalid'],
    ['129 characters', 'k'.repeat(129), 'token_kid_invalid'],
    ['64 KB string', 'k'.repeat(65_536), 'token_too_long'],
  ];
  for (const [name, kid, want] of injections) {
    test(`kid ${name} → ${want}, no lookup`, () => {
      const keys = spySource();
      const verifier = makeVerifier({ keys });
      const token = forge({ alg: 'ES256', typ: 'app+jwt', kid });
      let ms = Number.POSITIVE_INFINITY;
      let got = { reason: '' };
      // Least of three: another process on the shared CPU can only make a run slower.
      for (let i = 0; i < 3; i++) {
        const started = process.hrtime.bigint();
        got = outcome(verifier, token);
        ms = Math.min(ms, Number(process.hrtime.bigint() - started) / 1e6);
      }
      assert.equal(got.reason, want);
      assert.deepEqual(keys.lookups, []);
      assert.ok(ms < 50, `took ${ms} ms`);
    });
  }
  test('kid ../../../../../../dev/null signed HS256 with an empty key → token_alg_not_allowed, no lookup', () => {
    const keys = spySource();
    const token = forge(
      { alg: 'HS256', typ: 'app+jwt', kid: '../../../../../../dev/null' },
      claims(),
      hs256(''),
    );
    assert.equal(outcome(makeVerifier({ keys }), token).reason, 'token_alg_not_allowed');
    assert.deepEqual(keys.lookups, []);
  });
  test('a well-formed unknown kid is looked up in the map once, and only that', () => {
    const keys = spySource();
    assert.equal(
      outcome(makeVerifier({ keys }), forge({ ...HEADER, kid: 'not-ours' })).reason,
      'token_kid_unknown',
    );
    assert.deepEqual(keys.lookups, ['not-ours']);
  });
});

describe('C-08 jku / x5u: no key is ever fetched from a token header', () => {
  test('K receives 0 connections', async () => {
    let connections = 0;
    const sink = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const { port } = sink.address() as { port: number };
    try {
      const url = `http://127.0.0.1:${port}/jwks.json`;
      const verifier = makeVerifier();
      const attackerSigned = es256(attacker.privateKey);
      const tokens = [
        forge({ alg: 'RS256', typ: 'app+jwt', jku: url, kid: 'attacker' }, claims(), attackerSigned),
        forge({ alg: 'ES256', typ: 'app+jwt', jku: url, kid: 'attacker' }, claims(), attackerSigned),
        forge({ alg: 'ES256', typ: 'app+jwt', jku: url, kid: ES_KID }, claims(), attackerSigned),
        forge({ alg: 'ES256', typ: 'app+jwt', x5u: url, kid: 'attacker' }, claims(), attackerSigned),
        forge({ alg: 'ES256', typ: 'app+jwt', x5u: url, kid: ES_KID }, claims(), attackerSigned),
      ];
      for (const token of tokens) {
        assert.equal(outcome(verifier, token).reason, 'token_header_not_allowed');
        await assert.rejects(verifier.verify(token));
      }
      // Give any stray fetch time to connect before counting.
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(connections, 0);
    } finally {
      await new Promise((resolve) => sink.close(resolve));
    }
  });
});

describe('C-09 embedded key', () => {
  const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
  runTable([
    {
      name: 'jwk header with the attacker key',
      token: () => forge({ ...HEADER, jwk: attackerJwk }, claims(), es256(attacker.privateKey)),
      want: 'token_header_not_allowed',
    },
    {
      name: 'x5c with a self-signed chain',
      token: () =>
        forge({ ...HEADER, x5c: [b64('self-signed certificate DER')] }, claims(), es256(attacker.privateKey)),
      want: 'token_header_not_allowed',
    },
    {
      name: 'attacker key under our kid, no header tricks',
      token: () => forge(HEADER, claims(), es256(attacker.privateKey)),
      want: 'token_signature_invalid',
    },
  ]);
});

describe('C-10 crit and other header members', () => {
  runTable(
    (
      [
        ['crit ["exp"]', { crit: ['exp'] }],
        ['crit []', { crit: [] }],
        ['crit "x"', { crit: 'x' }],
        ['crit with an unknown extension', { crit: ['urn:x'], 'urn:x': 1 }],
        ['crit b64=false (RFC 7797)', { crit: ['b64'], b64: false }],
        ['zip', { zip: 'DEF' }],
        ['enc', { enc: 'A256GCM' }],
        ['p2c', { p2c: 1_000_000_000 }],
        ['cty', { cty: 'JWT' }],
        ['__proto__', JSON.parse('{"__proto__":{"admin":true}}') as object],
      ] as const
    ).map(([name, extra]) => ({
      name,
      token: () => forge({ ...HEADER, ...extra }),
      want: 'token_header_not_allowed',
    })),
  );
  test('crit in the unprotected header of a JSON serialization → token_malformed', () => {
    const [h, p, s] = forge().split('.');
    const json = JSON.stringify({
      payload: p,
      signatures: [{ protected: h, header: { crit: ['exp'] }, signature: s }],
    });
    assert.equal(outcome(makeVerifier(), json).reason, 'token_malformed');
  });
});

describe('C-11 ECDSA psychic signatures', () => {
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  const realSignature = () => Buffer.from(forge().split('.')[2]!, 'base64url');
  runTable(
    (
      [
        ['r = s = 0 (86 "A")', () => 'A'.repeat(86)],
        ['r = s = n', () => b64(Buffer.concat([n, n]))],
        ['r = 0 with the real s', () => b64(Buffer.concat([Buffer.alloc(32), realSignature().subarray(32)]))],
        [
          'the real r with s = 0',
          () => b64(Buffer.concat([realSignature().subarray(0, 32), Buffer.alloc(32)])),
        ],
      ] as const
    ).map(([name, signature]) => ({
      name,
      token: () => forge(HEADER, claims(), () => signature()),
      want: 'token_signature_invalid',
    })),
  );
});

describe('C-12 wrong signature encoding', () => {
  const der: Signer = (input) =>
    b64(sign('sha256', Buffer.from(input), { key: es.privateKey, dsaEncoding: 'der' }));
  const resize =
    (bytes: number): Signer =>
    (input) => {
      const real = Buffer.from(es256()(input), 'base64url');
      return b64(bytes <= 64 ? real.subarray(0, bytes) : Buffer.concat([real, Buffer.alloc(bytes - 64)]));
    };
  runTable([
    {
      name: 'DER-encoded ECDSA',
      token: () => forge(HEADER, claims(), der),
      want: 'token_signature_malformed',
    },
    { name: '63 bytes', token: () => forge(HEADER, claims(), resize(63)), want: 'token_signature_malformed' },
    { name: '65 bytes', token: () => forge(HEADER, claims(), resize(65)), want: 'token_signature_malformed' },
    { name: '4096 bytes', token: () => forge(HEADER, claims(), resize(4096)), want: 'token_too_long' },
  ]);
});

describe('C-15 expired (leeway 30 s)', () => {
  runTable([
    {
      name: 'exp = now - leeway - 1',
      token: () => forge(HEADER, claims({ iat: NOW - 331, exp: NOW - 31 })),
      want: 'token_expired',
    },
    {
      name: 'exp = now - leeway',
      token: () => forge(HEADER, claims({ iat: NOW - 330, exp: NOW - 30 })),
      want: 'token_expired',
    },
    {
      name: 'exp = now - leeway + 1',
      token: () => forge(HEADER, claims({ iat: NOW - 299, exp: NOW - 29 })),
      want: 'valid',
    },
    {
      name: 'tolerance 0: exp = now',
      token: () => forge(HEADER, claims({ iat: NOW - 300, exp: NOW })),
      want: 'token_expired',
      verifier: () => makeVerifier({ clockToleranceSeconds: 0 }),
    },
    {
      name: 'tolerance 0: exp = now + 1',
      token: () => forge(HEADER, claims({ iat: NOW - 299, exp: NOW + 1 })),
      want: 'valid',
      verifier: () => makeVerifier({ clockToleranceSeconds: 0 }),
    },
  ]);
  test('tolerance above 60 s is refused when the verifier is built', () => {
    assert.throws(() => makeVerifier({ clockToleranceSeconds: 61 }), TypeError);
    assert.throws(() => makeVerifier({ clockToleranceSeconds: -1 }), TypeError);
    assert.throws(() => makeVerifier({ clockToleranceSeconds: 1.5 }), TypeError);
  });
});

describe('C-16 not yet valid, issued in the future, too old', () => {
  runTable([
    {
      name: 'nbf = now + 120',
      token: () => forge(HEADER, claims({ nbf: NOW + 120 })),
      want: 'token_not_yet_valid',
    },
    {
      name: 'nbf = now + 30 (within leeway)',
      token: () => forge(HEADER, claims({ nbf: NOW + 30 })),
      want: 'valid',
    },
    { name: 'nbf = now', token: () => forge(HEADER, claims({ nbf: NOW })), want: 'valid' },
    {
      name: 'iat = now + 120',
      token: () => forge(HEADER, claims({ iat: NOW + 120, exp: NOW + 420 })),
      want: 'token_iat_in_future',
    },
    {
      name: 'iat = now + 30 (within leeway)',
      token: () => forge(HEADER, claims({ iat: NOW + 30, exp: NOW + 330 })),
      want: 'valid',
    },
    {
      name: 'iat = now - maxTokenAge - 1 with exp still ahead',
      token: () => forge(HEADER, claims({ iat: NOW - 301, exp: NOW + 10 })),
      want: 'token_lifetime_too_long',
    },
    {
      name: 'exp - iat = max lifetime',
      token: () => forge(HEADER, claims({ iat: NOW, exp: NOW + 300 })),
      want: 'valid',
    },
    {
      name: 'exp = iat',
      token: () => forge(HEADER, claims({ iat: NOW, exp: NOW })),
      want: 'token_claims_invalid',
    },
  ]);
});

describe('C-18 claim types', () => {
  const raw = (payload: string) => () => forge(HEADER, payload);
  const withExp = (literal: string) =>
    raw(JSON.stringify(claims({ exp: 424242 })).replace('"exp":424242', `"exp":${literal}`));
  runTable([
    {
      name: 'exp "9999999999" (string)',
      token: () => forge(HEADER, claims({ exp: '9999999999' })),
      want: 'token_claims_invalid',
    },
    { name: 'exp 1e308', token: withExp('1e308'), want: 'token_claims_invalid' },
    { name: 'exp -1', token: withExp('-1'), want: 'token_claims_invalid' },
    { name: 'exp 1.5e9 (exponent form: refused)', token: withExp('1.5e9'), want: 'token_claims_invalid' },
    {
      name: `exp ${NOW + 100}.0 (fraction form: refused)`,
      token: withExp(`${NOW + 100}.0`),
      want: 'token_claims_invalid',
    },
    { name: `exp ${NOW + 100}.5`, token: withExp(`${NOW + 100}.5`), want: 'token_claims_invalid' },
    { name: 'exp 16 digits', token: withExp('1000000000000000'), want: 'token_claims_invalid' },
    {
      name: 'exp 253402300800 (after year 9999)',
      token: withExp('253402300800'),
      want: 'token_claims_invalid',
    },
    { name: 'exp true', token: withExp('true'), want: 'token_claims_invalid' },
    {
      name: 'exp missing',
      token: () => forge(HEADER, claims({ exp: undefined })),
      want: 'token_claims_invalid',
    },
    {
      name: 'iat missing',
      token: () => forge(HEADER, claims({ iat: undefined })),
      want: 'token_claims_invalid',
    },
    {
      name: 'jti missing',
      token: () => forge(HEADER, claims({ jti: undefined })),
      want: 'token_claims_invalid',
    },
    {
      name: 'sub missing',
      token: () => forge(HEADER, claims({ sub: undefined })),
      want: 'token_claims_invalid',
    },
    { name: 'sub empty', token: () => forge(HEADER, claims({ sub: '' })), want: 'token_claims_invalid' },
    {
      name: 'jti of 129 characters',
      token: () => forge(HEADER, claims({ jti: 'j'.repeat(129) })),
      want: 'token_claims_invalid',
    },
    {
      name: 'jti of 4 KB',
      token: () => forge(HEADER, claims({ jti: 'j'.repeat(4096) })),
      want: 'token_too_long',
    },
    { name: 'jti number', token: () => forge(HEADER, claims({ jti: 7 })), want: 'token_claims_invalid' },
    { name: 'aud null', token: () => forge(HEADER, claims({ aud: null })), want: 'token_audience_mismatch' },
    { name: 'aud []', token: () => forge(HEADER, claims({ aud: [] })), want: 'token_audience_mismatch' },
    {
      name: 'aud [x, x]',
      token: () => forge(HEADER, claims({ aud: [AUDIENCE, AUDIENCE] })),
      want: 'token_claims_invalid',
    },
    {
      name: 'plt windows',
      token: () => forge(HEADER, claims({ plt: 'windows' })),
      want: 'token_claims_invalid',
    },
    { name: 'lvl ultra', token: () => forge(HEADER, claims({ lvl: 'ultra' })), want: 'token_claims_invalid' },
    {
      name: 'unknown claim',
      token: () => forge(HEADER, claims({ admin: true })),
      want: 'token_claims_invalid',
    },
    {
      name: '__proto__ claim',
      token: raw(JSON.stringify(claims()).replace('{', '{"__proto__":{"admin":true},')),
      want: 'token_claims_invalid',
    },
    { name: 'claims are an array', token: raw('[1,2]'), want: 'token_claims_invalid' },
    { name: 'claims are not JSON', token: raw('{"iss":'), want: 'token_claims_invalid' },
    {
      name: 'claims with a BOM',
      token: raw(`\ufeff${JSON.stringify(claims())}`),
      want: 'token_claims_invalid',
    },
    { name: 'dev false', token: () => forge(HEADER, claims({ dev: false })), want: 'token_claims_invalid' },
    {
      name: 'ath not 32 bytes',
      token: () => forge(HEADER, claims({ ath: b64('short') })),
      want: 'token_claims_invalid',
    },
    {
      name: 'ath of 32 bytes',
      token: () => forge(HEADER, claims({ ath: b64(Buffer.alloc(32, 7)) })),
      want: 'valid',
    },
  ]);
});

describe('32-byte base64url claims: the verifier agrees with decodeBase64UrlStrict', () => {
  const prefix = b64(Buffer.alloc(32, 0xa5)).slice(0, 42);
  const candidates = [...ALPHABET].map((last) => prefix + last);
  candidates.push(prefix, `${prefix}AA`, `${prefix.slice(1)}+A`, `${prefix.slice(1)}/A`, `${prefix}A=`);
  for (const ath of candidates) {
    const canonical = decodeBase64UrlStrict(ath)?.length === 32;
    test(`ath ${JSON.stringify(ath.slice(38))} → ${canonical ? 'valid' : 'token_claims_invalid'}`, () => {
      assert.equal(
        outcome(makeVerifier(), forge(HEADER, claims({ ath }))).reason,
        canonical ? 'valid' : 'token_claims_invalid',
      );
    });
  }
});

describe('cnf (RFC 7800 confirmation key)', () => {
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const publicJwk = { kty: 'EC', crv: 'P-256', x: device.x, y: device.y };
  const cnf = (jwk: object, extra: object = {}) => claims({ cnf: { kid: 'device-key-id', jwk, ...extra } });
  runTable([
    { name: 'public P-256 key', token: () => forge(HEADER, cnf(publicJwk)), want: 'valid' },
    {
      name: 'with the private d',
      token: () => forge(HEADER, cnf({ ...publicJwk, d: device.d })),
      want: 'token_claims_invalid',
    },
    {
      name: 'crv P-384',
      token: () => forge(HEADER, cnf({ ...publicJwk, crv: 'P-384' })),
      want: 'token_claims_invalid',
    },
    {
      name: 'kty OKP',
      token: () => forge(HEADER, cnf({ ...publicJwk, kty: 'OKP' })),
      want: 'token_claims_invalid',
    },
    {
      name: 'x of 31 bytes',
      token: () => forge(HEADER, cnf({ ...publicJwk, x: b64(Buffer.alloc(31)) })),
      want: 'token_claims_invalid',
    },
    {
      name: 'extra jwk member',
      token: () => forge(HEADER, cnf({ ...publicJwk, alg: 'ES256' })),
      want: 'token_claims_invalid',
    },
    {
      name: 'extra cnf member',
      token: () => forge(HEADER, cnf(publicJwk, { jkt: 'x' })),
      want: 'token_claims_invalid',
    },
    {
      name: 'cnf.kid missing',
      token: () => forge(HEADER, claims({ cnf: { jwk: publicJwk } })),
      want: 'token_claims_invalid',
    },
  ]);
});

describe('C-19 audience and issuer', () => {
  runTable([
    {
      name: 'aud "com.other.app" (string)',
      token: () => forge(HEADER, claims({ aud: 'com.other.app' })),
      want: 'token_audience_mismatch',
    },
    {
      name: 'aud "com.our.app" (string, not an array)',
      token: () => forge(HEADER, claims({ aud: AUDIENCE })),
      want: 'token_audience_mismatch',
    },
    {
      name: 'aud ["com.other.app"]',
      token: () => forge(HEADER, claims({ aud: ['com.other.app'] })),
      want: 'token_audience_mismatch',
    },
    {
      name: 'aud ["com.our.app", "com.other.app"]: every entry must be ours',
      token: () => forge(HEADER, claims({ aud: [AUDIENCE, 'com.other.app'] })),
      want: 'token_audience_mismatch',
    },
    {
      name: 'aud with two entries, both served by this verifier',
      token: () => forge(HEADER, claims({ aud: [AUDIENCE, 'com.our.admin'] })),
      want: 'valid',
      verifier: () => makeVerifier({ audiences: [AUDIENCE, 'com.our.admin'] }),
    },
    {
      name: 'iss https://attacker',
      token: () => forge(HEADER, claims({ iss: 'https://attacker' })),
      want: 'token_issuer_mismatch',
    },
    {
      name: 'iss differing in case',
      token: () => forge(HEADER, claims({ iss: 'https://Shield.example' })),
      want: 'token_issuer_mismatch',
    },
    {
      name: 'iss with a trailing slash',
      token: () => forge(HEADER, claims({ iss: `${ISSUER}/` })),
      want: 'token_issuer_mismatch',
    },
    {
      name: 'iss missing',
      token: () => forge(HEADER, claims({ iss: undefined })),
      want: 'token_issuer_mismatch',
    },
  ]);
});

describe('dev tokens', () => {
  runTable([
    {
      name: 'dev: true on a production verifier',
      token: () => forge(HEADER, claims({ dev: true })),
      want: 'token_dev_not_allowed',
    },
    {
      name: 'dev: true with allowDev',
      token: () => forge(HEADER, claims({ dev: true })),
      want: 'valid',
      verifier: () => makeVerifier({ allowDev: true }),
    },
  ]);
});

describe('C-25 duplicate JSON members (decision: refuse)', () => {
  const kidPart = `"typ":"app+jwt","kid":"${ES_KID}"`;
  runTable([
    {
      name: 'header alg twice (ES256 then none)',
      token: () => forge(`{"alg":"ES256","alg":"none",${kidPart}}`),
      want: 'token_duplicate_member',
    },
    {
      name: 'header alg twice (none then ES256)',
      token: () => forge(`{"alg":"none","alg":"ES256",${kidPart}}`),
      want: 'token_duplicate_member',
    },
    {
      name: 'header alg and an escaped \\u0061lg',
      token: () => forge(`{"alg":"ES256","\\u0061lg":"ES256",${kidPart}}`),
      want: 'token_duplicate_member',
    },
    {
      name: 'payload sub twice, signed by our key',
      token: () => forge(HEADER, JSON.stringify(claims()).replace('"sub":"shop"', '"sub":"A","sub":"B"')),
      want: 'token_duplicate_member',
    },
    {
      name: 'payload duplicate inside cnf.jwk',
      token: () =>
        forge(
          HEADER,
          JSON.stringify(claims()).replace(
            /}$/,
            `,"cnf":{"kid":"k","jwk":{"kty":"EC","kty":"EC","crv":"P-256","x":"${b64(Buffer.alloc(32, 1))}","y":"${b64(Buffer.alloc(32, 2))}"}}}`,
          ),
        ),
      want: 'token_duplicate_member',
    },
    {
      name: 'a repeated name in different objects is fine',
      token: () => forge(HEADER, JSON.stringify(claims({ jti: 'kid' }))),
      want: 'valid',
    },
  ]);
});

/**
 * CPU time of `run`, the least of five runs: process CPU time also counts other threads of the
 * process (GC helpers, the TypeScript loader), which only ever add to it.
 */
function cpuMicros(run: () => void): number {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    least = Math.min(least, used.user + used.system);
  }
  return least;
}

describe('C-26 huge tokens', () => {
  test('15 KB header → token_too_long in under 5 ms of CPU, before any decoding', () => {
    const header = { ...HEADER, pad: 'x'.repeat(15 * 1024) };
    const token = forge(header);
    const verifier = makeVerifier();
    let reason = '';
    const micros = cpuMicros(() => {
      reason = outcome(verifier, token).reason;
    });
    assert.equal(reason, 'token_too_long');
    assert.ok(micros < 5000, `${micros} µs`);
  });
  test('4096 characters pass the cap, 4097 do not', () => {
    const base = forge(HEADER, claims({ jti: '' }));
    const grow = (length: number) => {
      // Fill jti until the token has exactly `length` characters (base64url: 4 chars per 3 bytes).
      for (let n = 0; n < 4000; n++) {
        const token = forge(HEADER, claims({ jti: 'j'.repeat(n) }));
        if (token.length >= length) return token;
      }
      throw new Error('unreachable');
    };
    assert.ok(base.length < 4096);
    const near = grow(4090);
    assert.ok(near.length <= 4096);
    assert.notEqual(outcome(makeVerifier(), near).reason, 'token_too_long');
    assert.equal(
      outcome(makeVerifier(), `${near}${'A'.repeat(4097 - near.length)}`).reason,
      'token_too_long',
    );
  });
  test('many claims under the cap → token_claims_invalid', () => {
    const many: Record<string, unknown> = claims();
    for (let i = 0; many && JSON.stringify(many).length < 2800; i++) many[`c${i}`] = 1;
    assert.equal(outcome(makeVerifier(), forge(HEADER, many)).reason, 'token_claims_invalid');
  });
  test('1000-deep nesting under the cap → token_claims_invalid', () => {
    const deep = JSON.stringify(claims()).replace(/}$/, `,"x":${'['.repeat(1000)}${']'.repeat(1000)}}`);
    const token = forge(HEADER, deep);
    assert.ok(token.length <= 4096);
    assert.equal(outcome(makeVerifier(), token).reason, 'token_claims_invalid');
  });
  test('deeply nested header under the cap → token_malformed', () => {
    const header = `{"alg":"ES256","typ":"app+jwt","kid":"${ES_KID}","x":${'['.repeat(1000)}${']'.repeat(1000)}}`;
    assert.equal(outcome(makeVerifier(), forge(header)).reason, 'token_malformed');
  });
});

describe('C-27 JWE and JSON serialization: refused with no decryption or KDF work', () => {
  const jweHeader = b64(
    JSON.stringify({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 1_000_000_000, p2s: b64('salt') }),
  );
  const cases: [string, () => string, string][] = [
    [
      '5-segment compact JWE',
      () => `${jweHeader}.${b64('key')}.${b64('iv')}.${b64('ct')}.${b64('tag')}`,
      'token_malformed',
    ],
    [
      '3-segment with a PBES2 header and p2c = 1e9',
      () => forge({ ...HEADER, p2c: 1_000_000_000 }),
      'token_header_not_allowed',
    ],
    ['3-segment with zip: DEF', () => forge({ ...HEADER, zip: 'DEF' }), 'token_header_not_allowed'],
    [
      'JSON-serialized JWS',
      () => {
        const [h, p, s] = forge().split('.');
        return JSON.stringify({ payload: p, protected: h, signature: s });
      },
      'token_malformed',
    ],
  ];
  for (const [name, token, want] of cases) {
    test(`${name} → ${want} in under 5 ms of CPU`, () => {
      const verifier = makeVerifier();
      const t = token();
      let reason = '';
      const micros = cpuMicros(() => {
        reason = outcome(verifier, t).reason;
      });
      assert.equal(reason, want);
      assert.ok(micros < 5000, `${micros} µs`);
    });
  }
});

describe('header encoding', () => {
  runTable([
    {
      name: 'header with a BOM',
      token: () => forge(`\ufeff${JSON.stringify(HEADER)}`),
      want: 'token_malformed',
    },
    {
      name: 'header not UTF-8',
      token: () => {
        const h = b64(Buffer.from([0x7b, 0xff, 0x7d]));
        const p = b64(JSON.stringify(claims()));
        return `${h}.${p}.${es256()(`${h}.${p}`)}`;
      },
      want: 'token_malformed',
    },
    { name: 'header a JSON array', token: () => forge('["ES256"]'), want: 'token_malformed' },
    { name: 'header a JSON string', token: () => forge('"ES256"'), want: 'token_malformed' },
    {
      name: 'header with whitespace between members',
      token: () => forge(`{ "alg" : "ES256", "typ":"app+jwt", "kid":"${ES_KID}" }`),
      want: 'valid',
    },
  ]);
});

test('claims handed back are frozen copies holding only the profile', async () => {
  const verifier = makeVerifier({ cache: { maxEntries: 10 } });
  const got: AppTokenClaims = await verifier.verify(forge(HEADER, claims({ nbf: NOW })));
  assert.ok(Object.isFrozen(got));
  assert.ok(Object.isFrozen(got.aud));
  assert.equal('nbf' in got, false);
  assert.throws(() => {
    (got as { sub: string }).sub = 'other';
  }, TypeError);
});
