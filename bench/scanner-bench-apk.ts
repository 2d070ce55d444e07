// The scanner benchmark's input: a large APK laid out like a React Native release build (native
// libraries for four ABIs stored uncompressed, DEX files, Hermes bundle, resources, images), with
// fake keys planted where apps leak them, or none (the clean build).
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import yazl from 'yazl';
import { compileHermes, type FakeSecrets } from '../packages/shield/src/scan/testing/build-archives.js';
import {
  buildBinaryXml,
  buildDex,
  buildElf,
  buildPng,
  buildResourceTable,
} from '../packages/shield/src/scan/testing/build-formats.js';

/** A key planted in the benchmark APK; `alarm` is false for keys that are public by design. */
export interface PlantedKey {
  entry: string;
  value: string;
  alarm: boolean;
}

const WORDS =
  'account order cart item price total user profile settings payment session login logout search filter sort page list detail image title label button message error retry network loading'.split(
    ' ',
  );
function words(n: number, seed: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `${i === 0 ? '' : ' '}${WORDS[(seed * 31 + i * 7) % WORDS.length]}`;
  return out;
}

function appSource(bytes: number, secrets: FakeSecrets | null): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = `function screen${i}(props){var title=${JSON.stringify(`${words(4, i)} ${i}`)};var token=props.session&&props.session.token;return {title:title,apiKeyHeader:"x-api-key",path:"/api/v1/${WORDS[i % WORDS.length]}/"+${i},auth:token};}\n`;
    parts.push(part);
    size += part.length;
  }
  if (secrets !== null)
    parts.push(
      `var keys={stripe:${JSON.stringify(secrets.stripeSecret)},gh:${JSON.stringify(secrets.github)}};\n`,
    );
  parts.push('print(screen0({}));\n');
  return parts.join('');
}

/**
 * Writes the APK to `path` (streamed) at about `targetBytes` and returns the keys planted
 * (none when `secrets` is null).
 */
export async function writeBenchApk(
  path: string,
  targetBytes: number,
  secrets: FakeSecrets | null,
): Promise<PlantedKey[]> {
  const planted: PlantedKey[] = [];
  const plant = (entry: string, value: string, alarm = true) => {
    planted.push({ entry, value, alarm });
    return value;
  };
  const zip = new yazl.ZipFile();
  const add = (name: string, data: Buffer, store = false) =>
    zip.addBuffer(data, name, { compress: !store, mtime: new Date(Date.UTC(2026, 0, 1)) });
  const done = new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    zip.outputStream.pipe(out);
    out.on('finish', resolve);
    out.on('error', reject);
  });

  const bundleSource = appSource(
    Math.min(6_000_000, Math.max(200_000, Math.floor(targetBytes * 0.03))),
    secrets,
  );
  if (secrets !== null) {
    plant('assets/index.android.bundle', secrets.stripeSecret);
    plant('assets/index.android.bundle', secrets.github);
  }
  add('assets/index.android.bundle', await compileHermes(bundleSource, 96));

  const abis = ['arm64-v8a', 'armeabi-v7a', 'x86', 'x86_64'];
  // A release library is about two thirds machine code and one third data (.rodata, .eh_frame,
  // symbol tables), all stored uncompressed as the Android Gradle plugin stores them.
  const libBytes = Math.floor((targetBytes * 0.64) / (abis.length * 2));
  abis.forEach((abi, a) => {
    for (const lib of ['libhermes.so', 'libappmodules.so']) {
      const strings = Array.from(
        { length: 2000 },
        (_, i) => `_ZN8facebook5react${words(2, i + a).replace(' ', '')}${i}Ev`,
      );
      if (secrets !== null && abi === 'arm64-v8a' && lib === 'libappmodules.so') {
        strings.splice(700, 0, plant(`lib/${abi}/${lib}`, secrets.sendgrid));
        strings.splice(1500, 0, plant(`lib/${abi}/${lib}`, secrets.slack));
      }
      add(
        `lib/${abi}/${lib}`,
        buildElf(strings, Math.floor(libBytes * 0.65), Math.floor(libBytes * 0.35)),
        true,
      );
    }
  });

  const dexStrings = (count: number, offset: number) =>
    Array.from({ length: count }, (_, i) =>
      i % 3 === 0 ? `Lcom/example/shop/gen/Screen${offset + i};` : `${words(5, offset + i)} ${offset + i}`,
    );
  const dexCount = Math.max(1000, Math.floor((targetBytes * 0.15) / 2 / 40));
  const dex1 = dexStrings(dexCount, 0);
  if (secrets !== null) dex1.push(plant('classes.dex', secrets.twilioApiKey));
  add('classes.dex', buildDex(dex1));
  add('classes2.dex', buildDex(dexStrings(dexCount, dexCount)));

  const arsc = Array.from(
    { length: Math.max(500, Math.floor((targetBytes * 0.03) / 30)) },
    (_, i) => `${words(4, i)} ${i}`,
  );
  if (secrets !== null)
    arsc.push(
      plant('resources.arsc', secrets.mailgun),
      plant('resources.arsc', secrets.stripePublishable, false),
    );
  add('resources.arsc', buildResourceTable(arsc), true);

  add(
    'AndroidManifest.xml',
    buildBinaryXml({
      tag: 'manifest',
      attributes: { package: 'com.example.shop' },
      children: [
        {
          tag: 'application',
          attributes: { label: 'Shop' },
          children: [
            {
              tag: 'meta-data',
              attributes: {
                name: 'com.google.android.geo.API_KEY',
                value:
                  secrets === null
                    ? 'set-in-console'
                    : plant('AndroidManifest.xml', secrets.googleApiKey, false),
              },
            },
          ],
        },
      ],
    }),
  );

  let env = 'API_URL=https://shield.example.com\nSENTRY_ENVIRONMENT=production\n';
  if (secrets !== null) {
    env += `AWS_ACCESS_KEY_ID=${plant('assets/.env', secrets.awsAccessKeyId)}\n`;
    env += `AWS_SECRET_ACCESS_KEY=${plant('assets/.env', secrets.awsSecretAccessKey)}\n`;
    env += `API_TOKEN=${plant('assets/.env', secrets.genericToken)}\n`;
  }
  add('assets/.env', Buffer.from(env));
  add(
    'assets/config.json',
    Buffer.from(
      JSON.stringify({
        session: secrets === null ? 'none' : plant('assets/config.json', secrets.jwt),
        retries: 3,
      }),
    ),
  );

  const imageBytes = Math.floor(targetBytes * 0.24);
  for (let i = 0, size = 0; size < imageBytes; i++) {
    const png = buildPng(64 * 1024 + ((i * 7919) % 65536));
    add(`res/drawable-xxhdpi-v4/image_${i}.png`, png, true);
    size += png.length;
  }
  add(
    'META-INF/MANIFEST.MF',
    Buffer.from(`Manifest-Version: 1.0\nCreated-By: portcullis-bench ${randomBytes(4).toString('hex')}\n`),
  );
  zip.end();
  await done;
  return planted;
}
