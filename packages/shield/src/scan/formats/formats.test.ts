import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import bplistCreator from 'bplist-creator';
import {
  compileHermes,
  fakeSecrets,
  HERMES_COMPILERS,
  type HermesBytecodeVersion,
} from '../testing/build-archives.js';
import {
  buildBinaryXml,
  buildDex,
  buildElf,
  buildMachO,
  buildResourceTable,
} from '../testing/build-formats.js';
import { readBinaryXmlStrings, readResourceTableStrings } from './android-binary-xml.js';
import { readBinaryPlistStrings } from './binary-plist.js';
import { readDexStrings } from './dex-strings.js';
import { FormatError } from './format-error.js';
import { readHermesStrings } from './hermes-strings.js';
import { elfDataSections, machODataSections } from './native-data.js';
import { stringIndexAt } from './string-table.js';

const LONG =
  'a string longer than two hundred and fifty-five characters lands in the overflow table: '.repeat(4);

describe('Hermes bytecode string table', () => {
  for (const version of Object.keys(HERMES_COMPILERS).map(Number) as HermesBytecodeVersion[]) {
    test(`reads every string of bytecode compiled by hermes-compiler (version ${version})`, async () => {
      const secrets = fakeSecrets();
      const hbc = await compileHermes(
        `var config = { stripeKey: ${JSON.stringify(secrets.stripeSecret)}, greeting: "Grüße €", long: ${JSON.stringify(LONG)} };\nprint(config.stripeKey, config.greeting, config.long);\n`,
        version,
      );
      const { version: read, strings } = readHermesStrings(hbc);
      assert.equal(read, version);
      assert.ok(strings.includes(secrets.stripeSecret));
      assert.ok(strings.includes('Grüße €'), 'a UTF-16 string');
      assert.ok(strings.includes(LONG), 'a string from the overflow table');
      assert.ok(strings.includes('stripeKey'), 'identifiers are in the table too');
    });
  }

  test('versions 74 to 96 share the layout of 96 (16-byte function headers); 97+ use 12 bytes', async () => {
    const hbc = await compileHermes('print("only-in-the-table-xyz");', 96);
    for (const older of [74, 84, 85, 89, 90, 94]) {
      const relabelled = Buffer.from(hbc);
      relabelled.writeUInt32LE(older, 8);
      assert.ok(readHermesStrings(relabelled).strings.includes('only-in-the-table-xyz'), `version ${older}`);
    }
    const misread = Buffer.from(hbc);
    misread.writeUInt32LE(98, 8);
    assert.ok(
      !safeStrings(misread).includes('only-in-the-table-xyz'),
      'the 12-byte layout misses the table of a v96 file',
    );
  });

  test('refuses unknown versions, truncated files and tables pointing outside the file', async () => {
    const hbc = await compileHermes('print("x");', 99);
    const future = Buffer.from(hbc);
    future.writeUInt32LE(120, 8);
    assert.throws(
      () => readHermesStrings(future),
      (error) => error instanceof FormatError && /version 120/.test(error.message),
    );
    assert.throws(() => readHermesStrings(hbc.subarray(0, 100)), FormatError);
    const lying = Buffer.from(hbc);
    lying.writeUInt32LE(0x7fffffff, 60);
    assert.throws(() => readHermesStrings(lying), FormatError);
  });
});

function safeStrings(hbc: Buffer): string[] {
  try {
    return readHermesStrings(hbc).strings;
  } catch {
    return [];
  }
}

describe('DEX string table', () => {
  test('reads the strings of a DEX file in table order', () => {
    const dex = buildDex(['Lcom/example/BuildConfig;', 'STRIPE_KEY', 'sk_test_value', 'é-non-ascii']);
    const table = readDexStrings(dex);
    const strings = table.bytes.toString('utf8').split('\n').slice(0, -1);
    assert.deepEqual(strings, ['Lcom/example/BuildConfig;', 'STRIPE_KEY', 'sk_test_value', 'é-non-ascii']);
    assert.equal(stringIndexAt(table.starts, table.bytes.indexOf('sk_test')), 3);
  });

  test('refuses string ids outside the file', () => {
    const dex = buildDex(['a', 'b']);
    dex.writeUInt32LE(dex.length + 10, 0x70);
    assert.throws(() => readDexStrings(dex), FormatError);
    assert.throws(() => readDexStrings(Buffer.from('dex\n035\0')), FormatError);
  });
});

describe('Android binary XML and resource tables', () => {
  test('AndroidManifest.xml: meta-data name/value pairs first, then the UTF-16 pool', () => {
    const manifest = buildBinaryXml({
      tag: 'manifest',
      attributes: { package: 'com.example.shop' },
      children: [
        {
          tag: 'application',
          attributes: { label: 'Shop' },
          children: [{ tag: 'meta-data', attributes: { name: 'io.example.API_SECRET', value: 'v4lue-ÄÖ' } }],
        },
      ],
    });
    const strings = readBinaryXmlStrings(manifest);
    assert.equal(strings[0], 'io.example.API_SECRET = "v4lue-ÄÖ"');
    assert.ok(strings.includes('com.example.shop'));
  });

  test('resources.arsc: the UTF-8 global string pool, long strings included', () => {
    const long = 'x'.repeat(300);
    assert.deepEqual(readResourceTableStrings(buildResourceTable(['app_name', 'Shop', long, 'ünïcode'])), [
      'app_name',
      'Shop',
      long,
      'ünïcode',
    ]);
  });

  test('resources.arsc: string resources as name = "value" pairs (react-native-config), then the pool', () => {
    const table = buildResourceTable(['Shop'], { API_TOKEN: 'a8F3kL9mQ2xZ', app_name: 'Shop' });
    const strings = readResourceTableStrings(table);
    assert.deepEqual(strings.slice(0, 2), ['API_TOKEN = "a8F3kL9mQ2xZ"', 'app_name = "Shop"']);
    assert.ok(strings.includes('a8F3kL9mQ2xZ'));
  });

  test('refuses chunks that run past the file', () => {
    const table = buildResourceTable(['a']);
    assert.throws(() => readResourceTableStrings(table.subarray(0, 30)), FormatError);
    const manifest = buildBinaryXml({ tag: 'manifest', attributes: {} });
    const broken = Buffer.from(manifest);
    broken.writeUInt32LE(0xffff, 12);
    assert.throws(() => readBinaryXmlStrings(broken), FormatError);
  });
});

describe('binary property lists', () => {
  test('Info.plist written as bplist00: key/value pairs and nested strings, ASCII and UTF-16', () => {
    const plist = bplistCreator({
      CFBundleIdentifier: 'com.example.shop',
      ApiSecret: 'abc123',
      Nested: { Deeper: ['in-an-array', 'Grüße'] },
      Count: 3,
    });
    const strings = readBinaryPlistStrings(plist);
    assert.ok(strings.includes('ApiSecret = "abc123"'));
    assert.ok(strings.includes('CFBundleIdentifier = "com.example.shop"'));
    assert.ok(strings.includes('in-an-array'));
    assert.ok(strings.includes('Grüße'));
  });

  test('refuses a truncated list and an offset table outside the file', () => {
    const plist = bplistCreator({ a: 'b' });
    assert.throws(() => readBinaryPlistStrings(plist.subarray(0, 20)), FormatError);
    const broken = Buffer.from(plist);
    broken.writeBigUInt64BE(BigInt(plist.length * 2), plist.length - 8);
    assert.throws(() => readBinaryPlistStrings(broken), FormatError);
  });
});

describe('native libraries', () => {
  test('ELF: the data sections (.rodata) without the machine code; no section table, no answer', () => {
    const elf = buildElf(['JNI_OnLoad', 'planted-in-rodata'], 100_000);
    const data = elfDataSections(elf)!;
    assert.ok(data.includes('planted-in-rodata'));
    assert.ok(data.length < 1000, `${data.length} bytes: the 100 kB of code are left out`);
    const broken = Buffer.from(elf);
    broken.writeBigUInt64LE(BigInt(elf.length + 1), 0x28);
    assert.equal(elfDataSections(broken), null);
  });

  test('Mach-O: __cstring and what follows the sections, not the code', () => {
    const macho = buildMachO(['_main', 'planted-in-cstring'], 100_000);
    const data = machODataSections(macho)!;
    assert.ok(data.includes('planted-in-cstring'));
    assert.ok(data.length < 1000);
    const broken = Buffer.from(macho);
    broken.writeUInt32LE(0xffffff, 32 + 4);
    assert.equal(machODataSections(broken), null);
  });
});
