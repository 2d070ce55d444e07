import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAppAttestTestAuthority, createSoftwareAppAttestDevice } from '@portcullis/testkit';
import {
  type GoogleKeyDescriptionJson,
  googleCreationTime,
  readJsonFixture,
} from '../../test/fixtures/android/android-fixtures.js';
import {
  loadAppleAssertionVectors,
  loadAppleAttestationVectors,
} from '../../test/fixtures/apple/load-apple-vectors.js';
import {
  buildPlayIntegrityToken,
  createPlayIntegrityTestKeys,
  createPlayIntegrityTestPayload,
} from '../attest/play-integrity/index.js';
import { systemClock } from '../clock.js';
import { loadConfigFile } from '../config/index.js';
import { createKeyStore, createTokenIssuer } from '../tokens/index.js';
import type { CliIo } from './io.js';
import { run } from './main.js';

interface Result {
  code: number;
  out: string;
  err: string;
}

let dir: string;
const env = { PATH: process.env['PATH'] ?? '' };
async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { ...env, ...extraEnv },
    cwd: dir,
  };
  const code = await run(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('portcullis CLI', () => {
  test('--help lists every command; unknown commands and missing options are usage errors (exit 2)', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['init', 'start', 'check', 'keys', 'token', 'evidence'])
      assert.match(help.out, new RegExp(command));
    assert.equal((await cli(['launch'])).code, 2);
    const missing = await cli(['check']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--config/);
    assert.equal((await cli(['keys', 'rotate', '--help'])).code, 0);
  });

  test('F-18: check: a bad file is refused with file:line:column, what is wrong and a fix (exit 1)', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'issuer: https://shield.example.com\nlisten:\n  prot: 8080\n');
    const result = await cli(['check', '--config', file]);
    assert.equal(result.code, 1);
    assert.match(result.err, /bad\.yaml:3:3/);
    assert.match(result.err, /listen\.prot/);
    assert.match(result.err, /fix:.*port/);
    const absent = await cli(['check', '--config', join(dir, 'absent.yaml')]);
    assert.equal(absent.code, 1);
    assert.match(absent.err, /absent\.yaml/);
  });

  test('check --explain prints every route’s compiled policy with its defaults written out', async () => {
    const file = join(dir, 'explain.yaml');
    await writeFile(
      file,
      `issuer: https://shield.example.com
store: { kind: sqlite, path: ./data/explain.db }
keys: { dir: ./data/keys }
apps:
  shop:
    audiences: [shop-api, admin-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
routes:
  - id: pay
    match: { methods: [POST], path: /payments/session }
    upstream: https://api.payments.example
    require: { token: true, proof: true }
    limits: [{ per: device, max: 3, window: 1h }]
  - id: admin
    match: { path: /admin/** }
    upstream: http://127.0.0.1:3000
    require: { token: true, level: hardware, audiences: [admin-api] }
  - id: catalog
    match: { path: /catalog }
    upstream: http://127.0.0.1:3000
    public: true
`,
    );
    const text = await cli(['check', '--config', file, '--explain']);
    assert.equal(text.code, 0, text.err);
    const pay = text.out.slice(text.out.indexOf('route pay:'), text.out.indexOf('route admin:'));
    assert.match(pay, /level +>= basic \(default: production admits attested levels only\)/);
    assert.match(pay, /apps +shop \(default: every declared app\)/);
    assert.match(pay, /audiences +shop-api, admin-api \(default:/);
    assert.match(pay, /proof +required: skew 60 s, replay store down: refuse/);
    assert.match(pay, /per device per 3600 s, enforce/);
    assert.match(pay, /limits +enforce, store down: closed \(503\), counted after the proof/);
    assert.match(pay, /identity +X-Portcullis-App/);
    const admin = text.out.slice(text.out.indexOf('route admin:'), text.out.indexOf('route catalog:'));
    assert.match(admin, /level +>= hardware \(route\)/);
    assert.match(admin, /audiences +admin-api \(route\)/);
    assert.match(text.out.slice(text.out.indexOf('route catalog:')), /access +public: no token/);

    const json = await cli(['check', '--config', file, '--explain', '--json']);
    assert.equal(json.code, 0, json.err);
    const explained = JSON.parse(json.out) as {
      mode: string;
      routes: Array<{ id: string; token: { minLevel: string; minLevelSource: string } | null }>;
    };
    assert.equal(explained.mode, 'production');
    assert.deepEqual(
      explained.routes.map((route) => [
        route.id,
        route.token?.minLevel ?? null,
        route.token?.minLevelSource ?? null,
      ]),
      [
        ['pay', 'basic', 'default'],
        ['admin', 'hardware', 'route'],
        ['catalog', null, null],
      ],
    );
  });

  test('check warns (file:line, fix) about production routes that admit debug tokens, monitor their token, or count keyless tokens per device', async () => {
    const file = join(dir, 'warned.yaml');
    await writeFile(
      file,
      `issuer: https://shield.example.com
store: { kind: sqlite, path: ./data/warned.db }
keys: { dir: ./data/keys }
apps:
  shop:
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
    debugTokens:
      - { name: ci, sha256: "${'a'.repeat(64)}", expires: 2099-01-01 }
routes:
  - id: ci-only
    match: { path: /ci }
    upstream: http://127.0.0.1:3000
    require: { token: true, level: debug }
    limits: [{ per: device, max: 3, window: 1h }]
  - id: legacy
    match: { path: /legacy }
    upstream: http://127.0.0.1:3000
    require: { token: true }
    tokenMode: monitor
  - id: quiet
    match: { path: /quiet }
    upstream: http://127.0.0.1:3000
    require: { token: true }
    limits: [{ per: device, max: 3, window: 1h }]
`,
    );
    const result = await cli(['check', '--config', file]);
    assert.equal(result.code, 0, 'warnings do not refuse the file');
    assert.match(result.out, /ok \(1 app, 3 routes, mode production, 3 warnings\)/);
    assert.match(
      result.err,
      /warned\.yaml:13:\d+ +warning: routes\[0\]\.require\.level: this production route admits debug tokens/,
    );
    assert.match(
      result.err,
      /warned\.yaml:14:\d+ +warning: routes\[0\]\.limits\[0\]\.per: this limit counts per device, but the route admits tokens without a device key \(debug\)/,
    );
    assert.match(
      result.err,
      /warned\.yaml:19:\d+ +warning: routes\[1\]\.tokenMode: this route forwards requests its token requirement would refuse/,
    );
    assert.match(result.err, /fix: switch to tokenMode: enforce/);
    assert.ok(!result.err.includes('routes[2]'), 'a production route without a level admits no debug token');
  });

  test('init writes a config that checks, and a key directory with a 0600 signing key and identifier key; a second init needs --force', async () => {
    const target = join(dir, 'shield');
    const init = await cli(['init', '--dir', target, '--issuer', 'https://shield.example.com']);
    assert.equal(init.code, 0, init.err);
    const keyDir = join(target, 'data', 'keys');
    const keyFiles = (await readdir(keyDir)).filter(
      (name) => name.endsWith('.json') && name !== 'identifier-key.json',
    );
    assert.equal(keyFiles.length, 1);
    assert.equal((await stat(join(keyDir, keyFiles[0]!))).mode & 0o777, 0o600);
    assert.equal((await stat(join(keyDir, 'identifier-key.json'))).mode & 0o777, 0o600);
    assert.match(init.out, /identifier key identifier-key\.json/);
    assert.equal((await stat(join(target, 'portcullis.yaml'))).mode & 0o777, 0o600);
    const listed = await cli(['keys', 'list', '--config', join(target, 'portcullis.yaml'), '--json']);
    assert.equal(listed.code, 0, listed.err);
    assert.equal((JSON.parse(listed.out) as unknown[]).length, 1, 'the identifier key is not a signing key');
    const again = await cli(['init', '--dir', target]);
    assert.equal(again.code, 1);
    assert.match(again.err, /--force/);
    const badPort = await cli(['init', '--dir', join(dir, 'x'), '--port', 'eighty']);
    assert.equal(badPort.code, 2);
  });

  test('keys list and rotate: the old key stays published after a rotation', async () => {
    const config = await writeMinimalConfig();
    const none = await cli(['keys', 'list', '--config', config]);
    assert.equal(none.code, 1, 'no key directory yet');
    assert.match(none.err, /does not exist\.\n {2}fix: /);
    const loaded = await loadConfigFile(config, { env: {} });
    await createKeyStore({ dir: loaded.keys.dir, alg: 'ES256', clock: systemClock }).load();
    const listed = await cli(['keys', 'list', '--config', config, '--json']);
    assert.equal(listed.code, 0, listed.err);
    assert.equal((JSON.parse(listed.out) as unknown[]).length, 1);
    const rotated = await cli(['keys', 'rotate', '--config', config]);
    assert.equal(rotated.code, 0, rotated.err);
    assert.match(rotated.out, /new signing key/);
    const keys = JSON.parse((await cli(['keys', 'list', '--config', config, '--json'])).out) as Array<{
      status: string;
    }>;
    assert.deepEqual(keys.map((k) => k.status).sort(), ['active', 'retiring']);
  });

  test('token inspect: unverified without a config; valid, or invalid with its reason (exit 1), with one', async () => {
    const config = await writeMinimalConfig();
    const loaded = await loadConfigFile(config, { env: {} });
    const keys = createKeyStore({ dir: loaded.keys.dir, alg: 'ES256', clock: systemClock });
    await keys.load();
    const issuer = createTokenIssuer({ keys, issuer: loaded.issuer, clock: systemClock });
    const { token } = await issuer.issue({
      sub: 'shop',
      aud: ['shop'],
      plt: 'debug',
      lvl: 'debug',
      ttlSeconds: 60,
    });
    const unverified = await cli(['token', 'inspect', token]);
    assert.equal(unverified.code, 0);
    assert.match(unverified.out, /verdict: unverified/);
    assert.ok(!unverified.out.includes(token.split('.')[2]!), 'the signature is never printed');
    const valid = await cli(['token', 'inspect', token, '--config', config]);
    assert.match(valid.out, /verdict: valid/);
    const [h, p] = token.split('.');
    const tampered = await cli(['token', 'inspect', `${h}.${p}.${'A'.repeat(86)}`, '--config', config]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.out, /verdict: invalid \(token_signature_invalid\)/);
  });

  test('evidence verify: a real iPhone attestation is accepted at its own time; a changed hash is refused (exit 1)', async () => {
    const vector = loadAppleAttestationVectors().find((v) => v.environment === 'production')!;
    await writeFile(join(dir, 'attestation.b64'), Buffer.from(vector.attestation).toString('base64'));
    const args = [
      'evidence',
      'verify',
      '--type',
      'apple-app-attest',
      '--app-id',
      vector.appId,
      '--key-id',
      vector.keyId,
      '--attestation',
      '@attestation.b64',
      '--at',
      vector.at.toISOString(),
    ];
    const accepted = await cli([
      ...args,
      '--client-data-hash',
      Buffer.from(vector.clientDataHash).toString('base64'),
    ]);
    assert.equal(accepted.code, 0, accepted.out + accepted.err);
    assert.match(accepted.out, /accepted \(apple-app-attest\)/);
    assert.match(accepted.out, /pass +nonce/);
    const wrongHash = Buffer.from(vector.clientDataHash);
    wrongHash[0]! ^= 1;
    const refused = await cli([...args, '--client-data-hash', wrongHash.toString('base64'), '--json']);
    assert.equal(refused.code, 1);
    const verdict = JSON.parse(refused.out) as {
      accepted: boolean;
      code: string;
      steps: Array<{ step: string; verdict: string }>;
    };
    assert.equal(verdict.code, 'apple_nonce_mismatch');
    assert.deepEqual(verdict.steps.find((s) => s.verdict === 'fail')?.step, 'nonce');
    const usage = await cli(['evidence', 'verify', '--type', 'apple-app-attest']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--key-id/);
  });

  test('evidence verify: a real assertion with its previous counter; a rolled-back counter is refused', async () => {
    const vector = loadAppleAssertionVectors()[0]!;
    const pem = createPublicKey({ key: vector.publicKeyJwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    await writeFile(join(dir, 'key.pem'), pem);
    const args = [
      'evidence',
      'verify',
      '--type',
      'apple-assertion',
      '--app-id',
      vector.appId,
      '--public-key',
      '@key.pem',
      '--assertion',
      Buffer.from(vector.assertion).toString('base64'),
      '--client-data-hash',
      Buffer.from(vector.clientDataHash).toString('base64'),
    ];
    assert.equal((await cli([...args, '--previous-counter', String(vector.previousCounter)])).code, 0);
    const rolledBack = await cli([...args, '--previous-counter', String(vector.counter), '--json']);
    assert.equal(rolledBack.code, 1);
    assert.equal((JSON.parse(rolledBack.out) as { code: string }).code, 'apple_counter_not_increasing');
  });
});

describe('portcullis evidence verify for Android', () => {
  const fixtures = new URL('../../test/fixtures/android/keyattestation-google/', import.meta.url).pathname;
  const caseOf = (name: string) => {
    const json = readJsonFixture<GoogleKeyDescriptionJson>(`keyattestation-google/${name}.json`);
    const app = json.softwareEnforced['attestationApplicationId'] as {
      packages: { name: string }[];
      signatures: string[];
    };
    return {
      args: [
        'evidence',
        'verify',
        '--type',
        'android-key-attestation',
        '--chain',
        `@${fixtures}${name}.pem`,
        '--challenge',
        json.attestationChallenge,
        '--at',
        googleCreationTime(json).toISOString(),
      ],
      packageName: app.packages[0]!.name,
      digest: Buffer.from(app.signatures[0]!, 'base64').toString('hex'),
    };
  };

  test('a locked, verified Pixel 9a: strict accepts with the app identity; unchecked inputs show as skipped', async () => {
    const c = caseOf('pixel9a-tegu-2026-02-tee-ec-ecroot');
    const full = await cli([...c.args, '--package', c.packageName, '--signing-cert-sha256', c.digest]);
    assert.equal(full.code, 0, full.out + full.err);
    assert.match(full.out, /pass +package_name/);
    const partial = await cli([...c.args, '--json']);
    assert.equal(partial.code, 0, partial.out);
    const steps = (JSON.parse(partial.out) as { steps: Array<{ step: string; verdict: string }> }).steps;
    assert.equal(steps.find((s) => s.step === 'package_name')?.verdict, 'skipped');
    assert.equal(steps.find((s) => s.step === 'signing_certificate')?.verdict, 'skipped');
    const wrong = await cli([...c.args, '--package', 'com.attacker.app', '--json']);
    assert.equal(wrong.code, 1);
    assert.equal((JSON.parse(wrong.out) as { code: string }).code, 'android_package_mismatch');
  });

  test('an unlocked test device: strict refuses (boot unverified), lenient accepts', async () => {
    const c = caseOf('pixel8a-akita-2024-09-tee-ec');
    const strict = await cli([...c.args, '--json']);
    assert.equal(strict.code, 1);
    assert.match(
      (JSON.parse(strict.out) as { code: string }).code,
      /android_(boot_unverified|bootloader_unlocked)/,
    );
    const lenient = await cli([...c.args, '--policy', 'lenient']);
    assert.equal(lenient.code, 0, lenient.out);
  });
});

describe('portcullis evidence verify: exact inputs, any key type, bad input, compared values', () => {
  const fixtures = new URL('../../test/fixtures/android/keyattestation-google/', import.meta.url).pathname;
  const googleArgs = (name: string) => {
    const json = readJsonFixture<GoogleKeyDescriptionJson>(`keyattestation-google/${name}.json`);
    const app = json.softwareEnforced['attestationApplicationId'] as {
      packages: { name: string }[];
      signatures: string[];
    };
    return [
      'evidence',
      'verify',
      '--type',
      'android-key-attestation',
      '--chain',
      `@${fixtures}${name}.pem`,
      '--challenge',
      json.attestationChallenge,
      '--at',
      googleCreationTime(json).toISOString(),
      '--package',
      app.packages[0]!.name,
      '--signing-cert-sha256',
      Buffer.from(app.signatures[0]!, 'base64').toString('hex'),
    ];
  };
  interface JsonVerdict {
    accepted: boolean;
    level?: string;
    code?: string;
    compared?: Record<string, string | number | boolean>;
    facts?: Record<string, string | number | boolean>;
    notes?: string[];
    error?: { message: string; fix?: string };
  }

  test('--challenge is compared as the exact bytes: a binary challenge (Sony Xperia 10 III) is accepted', async () => {
    // The key attested 32 bytes that are not UTF-8; a text round trip would mangle them.
    const accepted = await cli([...googleArgs('xperia10iii-2026-06-tee-ec'), '--json']);
    assert.equal(accepted.code, 0, accepted.out + accepted.err);
    const verdict = JSON.parse(accepted.out) as JsonVerdict;
    assert.equal(verdict.level, 'hardware');
    assert.equal(verdict.facts?.['keyAlgorithm'], 'EC P-256');
    const text = await cli(googleArgs('xperia10iii-2026-06-tee-ec'));
    assert.match(text.out, /accepted \(android-key-attestation\) at level hardware/);
    assert.match(text.out, /pass +challenge/);
  });

  test('an Android chain with an RSA key verifies, the key type is reported with what the shield does', async () => {
    const args = [...googleArgs('pixel8a-akita-2024-09-tee-rsa'), '--policy', 'lenient'];
    const result = await cli([...args, '--json']);
    assert.equal(result.code, 0, result.out + result.err);
    const verdict = JSON.parse(result.out) as JsonVerdict;
    assert.equal(verdict.facts?.['keyAlgorithm'], 'RSA 2048');
    assert.equal(verdict.level, 'basic', 'an unlocked test device');
    assert.match(verdict.notes?.join(' ') ?? '', /android_key_not_p256/);
    assert.match((await cli(args)).out, /keyAlgorithm: RSA 2048[\s\S]*note: .*EC P-256/);
  });

  test('--client-data-hash takes any length Apple accepts (a 16-byte hash from a software device)', async () => {
    const appId = 'ABCDE12345.com.example.shop';
    const device = createSoftwareAppAttestDevice({
      authority: createAppAttestTestAuthority(),
      appId,
      environment: 'development',
    });
    const clientDataHash = Buffer.alloc(16, 0x5a);
    await writeFile(
      join(dir, 'device-key.pem'),
      createPublicKey({ key: device.publicKeyJwk as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString(),
    );
    const result = await cli([
      'evidence',
      'verify',
      '--type',
      'apple-assertion',
      '--app-id',
      appId,
      '--public-key',
      '@device-key.pem',
      '--assertion',
      Buffer.from(device.assert(clientDataHash)).toString('base64'),
      '--client-data-hash',
      clientDataHash.toString('base64'),
      '--previous-counter',
      '0',
    ]);
    assert.equal(result.code, 0, result.out + result.err);
  });

  test('refusals print the values their check compared', async () => {
    const vector = loadAppleAssertionVectors()[0]!;
    await writeFile(
      join(dir, 'vector-key.pem'),
      createPublicKey({ key: vector.publicKeyJwk as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString(),
    );
    const assertion = [
      'evidence',
      'verify',
      '--type',
      'apple-assertion',
      '--app-id',
      vector.appId,
      '--public-key',
      '@vector-key.pem',
      '--assertion',
      Buffer.from(vector.assertion).toString('base64'),
      '--client-data-hash',
      Buffer.from(vector.clientDataHash).toString('base64'),
      '--previous-counter',
      String(vector.counter + 4),
    ];
    const rolledBack = await cli(assertion);
    assert.equal(rolledBack.code, 1);
    assert.match(
      rolledBack.out,
      new RegExp(`counter: ${vector.counter}\n  storedCounter: ${vector.counter + 4}`),
    );
    const json = JSON.parse((await cli([...assertion, '--json'])).out) as JsonVerdict;
    assert.deepEqual(json.compared, { counter: vector.counter, storedCounter: vector.counter + 4 });

    // A chain to the AOSP software root: the top certificate's subject says whose root it is.
    const software = await cli([...googleArgs('pixelxl-marlin-2019-10-software-ec'), '--json']);
    assert.equal(software.code, 1);
    const root = JSON.parse(software.out) as JsonVerdict;
    assert.equal(root.code, 'android_root_untrusted');
    assert.match(String(root.compared?.['topSubject']), /CN=Android Keystore Software Attestation Root/);
    assert.match(String(root.compared?.['topKeySha256']), /^[0-9a-f]{64}$/);

    const wrongPackage = await cli([
      ...googleArgs('pixel9a-tegu-2026-02-tee-ec-ecroot'),
      '--package',
      'com.attacker.app',
    ]);
    assert.equal(wrongPackage.code, 1);
    assert.match(
      wrongPackage.out,
      /attested: com\.google\.android\.attestation\n {2}expected: com\.attacker\.app/,
    );
  });

  test('bad input is a usage error (exit 2), printed as JSON under --json', async () => {
    await writeFile(
      join(dir, 'not-a-chain.pem'),
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    );
    const chain = await cli([
      'evidence',
      'verify',
      '--type',
      'android-key-attestation',
      '--chain',
      '@not-a-chain.pem',
      '--challenge',
      'AAAA',
      '--json',
    ]);
    assert.equal(chain.code, 2, chain.out + chain.err);
    assert.match((JSON.parse(chain.out) as JsonVerdict).error?.message ?? '', /--chain: certificate 0/);
    assert.match(chain.err, /--chain: certificate 0/);

    const vector = loadAppleAssertionVectors()[0]!;
    const badAppId = await cli([
      'evidence',
      'verify',
      '--type',
      'apple-assertion',
      '--app-id',
      'no-team-id',
      '--public-key',
      '@vector-key.pem',
      '--assertion',
      Buffer.from(vector.assertion).toString('base64'),
      '--client-data-hash',
      Buffer.from(vector.clientDataHash).toString('base64'),
      '--previous-counter',
      '0',
      '--json',
    ]);
    assert.equal(badAppId.code, 2);
    assert.match((JSON.parse(badAppId.out) as JsonVerdict).error?.fix ?? '', /TEAMID\.bundle\.id/);

    const badPolicy = await cli([
      ...googleArgs('pixel9a-tegu-2026-02-tee-ec-ecroot'),
      '--signing-cert-sha256',
      'xyz',
    ]);
    assert.equal(badPolicy.code, 2, badPolicy.out + badPolicy.err);
    assert.match(badPolicy.err, /signingCertSha256/);

    const noConfig = await cli([
      'evidence',
      'verify',
      '--type',
      'play-integrity',
      '--config',
      'missing.yaml',
      '--app-id',
      'shop',
      '--token',
      'x',
      '--json',
    ]);
    assert.equal(noConfig.code, 2);
    assert.match((JSON.parse(noConfig.out) as JsonVerdict).error?.message ?? '', /missing\.yaml/);

    const noType = await cli(['evidence', 'verify', '--json']);
    assert.equal(noType.code, 2);
    assert.match((JSON.parse(noType.out) as JsonVerdict).error?.message ?? '', /--type/);
  });
});

describe('portcullis evidence verify for Play Integrity', () => {
  test('decodes with the app keys from --config and judges the verdict against its policy', async () => {
    const keys = createPlayIntegrityTestKeys();
    const folder = await mkdtemp(join(dir, 'play-'));
    const config = join(folder, 'portcullis.yaml');
    await writeFile(
      config,
      [
        'issuer: https://shield.example.com',
        'store: { kind: memory }',
        'trust: { androidRevocation: { url: "https://android.googleapis.com/attestation/status" } }',
        'apps:',
        '  shop:',
        '    android:',
        '      packageName: com.example.shop',
        `      signingCertSha256: ["${'ab'.repeat(32)}"]`,
        `      playIntegrity: { decode: local, decryptionKey: "\${env:PLAY_DECRYPTION_KEY}", verificationKey: "\${env:PLAY_VERIFICATION_KEY}" }`,
        '',
      ].join('\n'),
    );
    const challenge = 'c'.repeat(43);
    const now = Date.now();
    const token = await buildPlayIntegrityToken(
      createPlayIntegrityTestPayload({
        packageName: 'com.example.shop',
        challenge,
        timestampMillis: now,
        certificateSha256Digest: Buffer.from('ab'.repeat(32), 'hex').toString('base64url'),
      }),
      keys,
    );
    const args = [
      'evidence',
      'verify',
      '--type',
      'play-integrity',
      '--config',
      config,
      '--app-id',
      'shop',
      '--token',
      token,
    ];
    const env = {
      PLAY_DECRYPTION_KEY: keys.config.decryptionKey,
      PLAY_VERIFICATION_KEY: keys.config.verificationKey,
    };
    const accepted = await cli([...args, '--challenge', Buffer.from(challenge).toString('base64')], env);
    assert.equal(accepted.code, 0, accepted.out + accepted.err);
    const refused = await cli(
      [...args, '--challenge', Buffer.from('d'.repeat(43)).toString('base64'), '--json'],
      env,
    );
    assert.equal(refused.code, 1);
    assert.ok(refused.out.startsWith('{'), refused.err + refused.out);
    assert.equal((JSON.parse(refused.out) as { code: string }).code, 'play_request_mismatch', refused.err);
  });
});

async function writeMinimalConfig(): Promise<string> {
  const folder = await mkdtemp(join(dir, 'cfg-'));
  const file = join(folder, 'portcullis.yaml');
  await writeFile(
    file,
    [
      'issuer: https://shield.example.com',
      'store: { kind: memory }',
      'apps:',
      '  shop:',
      '    debugTokens: [{ name: ci, sha256: "' + 'a'.repeat(64) + '", expires: 2099-01-01 }]',
      'routes: []',
      '',
    ].join('\n'),
  );
  return file;
}
