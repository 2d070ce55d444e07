import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fingerprint } from './redact.js';
import { scanInputs } from './scan-inputs.js';
import { severityRank } from './severity.js';
import { buildApk, buildIpa, type Planted } from './testing/build-app-layouts.js';
import { buildZip, compileHermes, fakeSecrets, patchBytes } from './testing/build-archives.js';
import { buildElf } from './testing/build-formats.js';
import type { ScanSummary } from './types.js';

const now = new Date('2026-06-01T00:00:00Z');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function scanBytes(name: string, bytes: Buffer, options: Parameters<typeof scanInputs>[2] = { now }) {
  await writeFile(join(dir, name), bytes);
  return scanInputs([name], dir, options);
}

/** Each planted key is found exactly once, by its rule, in its entry; nothing else is found. */
function assertFoundOnce(summary: ScanSummary, file: string, planted: readonly Planted[]) {
  for (const plant of planted) {
    const hits = summary.findings.filter(
      (finding) => finding.fingerprint === fingerprint(plant.ruleId, plant.value),
    );
    assert.equal(hits.length, 1, `${plant.ruleId} in ${plant.entry}: found ${hits.length} times`);
    assert.equal(hits[0]!.entry, plant.entry, `${plant.ruleId} location`);
    assert.equal(hits[0]!.file, file);
    assert.ok(!hits[0]!.redacted.includes(plant.value.slice(-8)), 'the value is redacted');
  }
  assert.deepEqual(
    summary.findings.map((finding) => `${finding.ruleId} ${finding.entry}`).sort(),
    planted.map((plant) => `${plant.ruleId} ${plant.entry}`).sort(),
    'no other finding',
  );
}

describe('scanning app builds', () => {
  test('APK: every planted key is found once with its rule, in the bundle, DEX, ARSC, manifest, .so, .env and a nested zip', async () => {
    const { apk, planted } = await buildApk(fakeSecrets());
    const summary = await scanBytes('shop.apk', apk);
    assertFoundOnce(summary, 'shop.apk', planted);
    const formats = Object.fromEntries(summary.findings.map((finding) => [finding.entry, finding.format]));
    assert.equal(formats['assets/index.android.bundle'], 'hermes');
    assert.equal(formats['classes.dex'], 'dex');
    assert.equal(formats['resources.arsc'], 'arsc');
    assert.equal(formats['AndroidManifest.xml'], 'axml');
    assert.equal(formats['lib/arm64-v8a/libapp.so'], 'elf');
    assert.equal(summary.findings.find((finding) => finding.ruleId === 'google-api-key')!.severity, 'info');
    assert.equal(
      summary.findings.find((finding) => finding.ruleId === 'stripe-publishable-key')!.severity,
      'info',
    );
    assert.equal(summary.findings.find((finding) => finding.ruleId === 'jwt')!.title, 'Long-lived JWT');
    assert.equal(summary.filesSkipped, 1, 'the image is skipped');
    assert.deepEqual(summary.notes, []);
  });

  test('IPA: binary Info.plist, Hermes bytecode 99, the Mach-O executable and GoogleService-Info.plist', async () => {
    const { ipa, planted } = await buildIpa(fakeSecrets());
    const summary = await scanBytes('shop.ipa', ipa);
    assertFoundOnce(summary, 'shop.ipa', planted);
    const formats = new Set(summary.findings.map((finding) => finding.format));
    assert.deepEqual([...formats].sort(), ['hermes', 'mach-o', 'plist', 'text']);
  });

  test('clean builds: no finding above information', async () => {
    const { apk } = await buildApk(null);
    const { ipa } = await buildIpa(null);
    await writeFile(join(dir, 'clean.apk'), apk);
    await writeFile(join(dir, 'clean.ipa'), ipa);
    const summary = await scanInputs(['clean.apk', 'clean.ipa'], dir, { now });
    const alarms = summary.findings.filter(
      (finding) => severityRank(finding.severity) > severityRank('info'),
    );
    assert.deepEqual(alarms, []);
    assert.equal(summary.filesScanned, 13);
  });

  test('folders and single files: leftover .env and config files, .git and node_modules left out', async () => {
    const secrets = fakeSecrets();
    const root = join(dir, 'build-folder');
    await mkdir(join(root, 'config'), { recursive: true });
    await mkdir(join(root, 'node_modules', 'lib'), { recursive: true });
    await writeFile(join(root, '.env'), `STRIPE_SECRET_KEY=${secrets.stripeSecret}\n`);
    await writeFile(
      join(root, 'config', 'google-services.json'),
      JSON.stringify({ client: [{ api_key: [{ current_key: secrets.googleApiKey }] }] }),
    );
    await writeFile(
      join(root, 'node_modules', 'lib', 'test.js'),
      `const k = "${fakeSecrets().stripeSecret}";`,
    );
    const summary = await scanInputs(['build-folder', join(root, '.env')], dir, { now });
    assert.deepEqual(
      summary.findings.map((finding) => `${finding.file} ${finding.ruleId} ${finding.line}`),
      [
        'build-folder/.env stripe-secret-key 1',
        'build-folder/config/google-services.json google-api-key 1',
        `${join(root, '.env')} stripe-secret-key 1`,
      ],
    );
  });
});

describe('hostile and broken inputs', () => {
  test('a corrupt archive is reported as unreadable, not thrown', async () => {
    const { apk } = await buildApk(fakeSecrets());
    const summary = await scanBytes('truncated.apk', apk.subarray(0, Math.floor(apk.length / 2)));
    assert.equal(summary.findings.length, 0);
    assert.equal(summary.notes.length, 1);
    assert.equal(summary.notes[0]!.unreadable, true);
    assert.match(summary.notes[0]!.message, /not a readable ZIP archive/);
  });

  test('a zip bomb entry is skipped with a note and the rest of the archive is still scanned', async () => {
    const secrets = fakeSecrets();
    const zip = await buildZip([
      { name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) },
      { name: 'app.js', data: Buffer.from(`var k = "${secrets.stripeSecret}";`) },
    ]);
    const summary = await scanBytes('bomb.zip', zip);
    assert.match(summary.notes[0]!.message, /zip bomb/);
    assert.equal(summary.notes[0]!.entry, 'zeros.bin');
    assert.deepEqual(
      summary.findings.map((finding) => finding.ruleId),
      ['stripe-secret-key'],
    );
  });

  test('an entry that inflates past what it declares is stopped by the size check', async () => {
    const zip = await buildZip([{ name: 'data.txt', data: Buffer.from('x'.repeat(5000)) }]);
    // Central directory and local header both say 100 bytes; the data inflates to 5000.
    const lying = Buffer.from(zip);
    for (let at = lying.indexOf('PK\x01\x02'); at !== -1; at = lying.indexOf('PK\x01\x02', at + 1))
      lying.writeUInt32LE(100, at + 24);
    for (let at = lying.indexOf('PK\x03\x04'); at !== -1; at = lying.indexOf('PK\x03\x04', at + 1))
      lying.writeUInt32LE(100, at + 22);
    const summary = await scanBytes('lying.zip', lying);
    assert.equal(summary.findings.length, 0);
    assert.match(summary.notes[0]!.message, /corrupt entry/);
  });

  test('path traversal names are skipped with a note and nothing is written anywhere', async () => {
    const secrets = fakeSecrets();
    const zip = patchBytes(
      await buildZip([{ name: 'zz/zz/evil.env', data: Buffer.from(`K=${secrets.stripeSecret}\n`) }]),
      'zz/zz/',
      '../../',
    );
    const summary = await scanBytes('traversal.zip', zip);
    assert.equal(summary.findings.length, 0);
    assert.match(summary.notes[0]!.message, /unsafe entry name/);
    assert.equal(summary.notes[0]!.entry, '../../evil.env');
    assert.equal(existsSync(join(dir, '..', '..', 'evil.env')), false);
    assert.equal(existsSync(join(dir, '..', 'evil.env')), false);
  });

  test('unknown formats are read as raw bytes; a broken Hermes file falls back to them with a note', async () => {
    const secrets = fakeSecrets();
    const hbc = await compileHermes(`print(${JSON.stringify(` ${secrets.stripeSecret} `)});`, 99);
    hbc.writeUInt32LE(0x7fffffff, 60);
    const blob = Buffer.concat([
      Buffer.from([0, 1, 2, 3, 0xff]),
      Buffer.from(secrets.github),
      Buffer.from([0, 9, 0]),
    ]);
    const zip = await buildZip([
      { name: 'broken.hbc', data: hbc },
      { name: 'blob.bin', data: blob },
      { name: 'method.bin', data: Buffer.from('compressed with an unknown method') },
    ]);
    const unknownMethod = Buffer.from(zip);
    const name = Buffer.from('method.bin');
    for (let at = unknownMethod.indexOf(name); at !== -1; at = unknownMethod.indexOf(name, at + 1)) {
      const local = unknownMethod.lastIndexOf('PK\x03\x04', at);
      const central = unknownMethod.lastIndexOf('PK\x01\x02', at);
      if (local === at - 30) unknownMethod.writeUInt16LE(99, local + 8);
      if (central === at - 46) unknownMethod.writeUInt16LE(99, central + 10);
    }
    const summary = await scanBytes('mixed.zip', unknownMethod);
    assert.deepEqual(
      summary.findings.map((finding) => `${finding.entry} ${finding.ruleId} ${finding.format}`).sort(),
      ['blob.bin github-token binary', 'broken.hbc stripe-secret-key binary'],
    );
    const notes = summary.notes.map((note) => `${note.entry}: ${note.message}`);
    assert.ok(
      notes.some((note) => /^broken.hbc: .*scanned as raw bytes/.test(note)),
      notes.join('\n'),
    );
    assert.ok(
      notes.some((note) => /^method.bin: .*(unreadable|corrupt) entry/.test(note)),
      notes.join('\n'),
    );
  });

  test('archives nested past the depth limit are skipped with a note', async () => {
    const secrets = fakeSecrets();
    let zip = await buildZip([{ name: 'deep.js', data: Buffer.from(`var k = "${secrets.stripeSecret}";`) }]);
    for (let level = 0; level < 3; level++) zip = await buildZip([{ name: `level${level}.zip`, data: zip }]);
    const shallow = await scanBytes('nested.zip', zip, { now, limits: { maxDepth: 2 } });
    assert.equal(shallow.findings.length, 0);
    assert.match(shallow.notes[0]!.message, /nested deeper than 2/);
    const deep = await scanBytes('nested.zip', zip, { now });
    assert.equal(deep.findings[0]!.entry, 'level2.zip!/level1.zip!/level0.zip!/deep.js');
  });

  test('files over the in-memory limit are scanned in overlapping pieces, each key once', async () => {
    const secrets = fakeSecrets();
    const strings = Array.from({ length: 40 }, (_, i) =>
      i % 10 === 3 ? secrets.stripeSecret : `filler-${i}`,
    );
    const elf = buildElf(strings, 200_000);
    const github = buildElf(['JNI_OnLoad', secrets.github], 10_000);
    const summary = await scanBytes('big.so', Buffer.concat([elf, github]), {
      now,
      limits: { maxEntryBytes: 4096, pieceBytes: 4096 },
    });
    assert.deepEqual(summary.findings.map((finding) => finding.ruleId).sort(), [
      'github-token',
      'stripe-secret-key',
    ]);
    const inArchive = await scanBytes(
      'big.zip',
      await buildZip([{ name: 'lib/big.so', data: Buffer.concat([elf, github]), store: true }]),
      {
        now,
        limits: { maxEntryBytes: 4096, pieceBytes: 4096 },
      },
    );
    assert.deepEqual(inArchive.findings.map((finding) => finding.ruleId).sort(), [
      'github-token',
      'stripe-secret-key',
    ]);
  });
});
