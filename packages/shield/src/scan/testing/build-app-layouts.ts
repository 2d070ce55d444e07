// Whole app builds for the scanner's tests: an APK and an IPA laid out as the Android and Xcode
// toolchains lay them out, with fake keys planted where real apps leak them (or none).
import bplistCreator from 'bplist-creator';
import { buildZip, compileHermes, type FakeSecrets } from './build-archives.js';
import {
  buildBinaryXml,
  buildDex,
  buildElf,
  buildMachO,
  buildPng,
  buildResourceTable,
} from './build-formats.js';

/** Where a planted key must be found: its rule, the archive entry and the value. */
export interface Planted {
  ruleId: string;
  entry: string;
  value: string;
}

/** App code with the words a scanner must not mistake for keys (token, password, apiKey...). */
export const CLEAN_APP_SOURCE = `
var api = { baseUrl: "https://shield.example.com", apiKeyHeader: "x-api-key", tokenType: "Bearer" };
function login(user, password) {
  var passwordField = "password";
  return fetch(api.baseUrl + "/login", { method: "POST", body: JSON.stringify({ user: user, password: password }) })
    .then(function (r) { return r.json(); })
    .then(function (j) { var token = j.access_token; return { token: token, passwordResetToken: j.reset }; });
}
var messages = { invalidToken: "Your session expired, please sign in again", secretQuestion: "What was your first pet?" };
var hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
var uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
print(login, messages, hash, uuid, api);
`;

/**
 * An APK: Hermes bundle (bytecode 96), classes.dex, resources.arsc, binary manifest, a native
 * library (stored, as AGP stores them), an image, a leftover .env and a nested plugin archive.
 * With `secrets`, each planted key sits in one place and is listed in `planted`.
 */
export async function buildApk(secrets: FakeSecrets | null): Promise<{ apk: Buffer; planted: Planted[] }> {
  const planted: Planted[] = [];
  const plant = (ruleId: string, entry: string, value: string) => {
    planted.push({ ruleId, entry, value });
    return value;
  };
  const bundleSource =
    secrets === null
      ? CLEAN_APP_SOURCE
      : `${CLEAN_APP_SOURCE}\nvar keys = { stripe: ${JSON.stringify(plant('stripe-secret-key', 'assets/index.android.bundle', secrets.stripeSecret))}, mail: ${JSON.stringify(plant('sendgrid-api-key', 'assets/index.android.bundle', secrets.sendgrid))} };\nprint(keys);\n`;
  const dexStrings = [
    'Lcom/example/shop/BuildConfig;',
    'Lcom/example/shop/MainActivity;',
    'API_URL',
    'https://shield.example.com',
    'onCreate',
  ];
  const arscStrings = ['Shop', 'Welcome back', 'res/drawable/icon.png'];
  const arscResources: Record<string, string> = { app_name: 'Shop', API_URL: 'https://shield.example.com' };
  const metaData = [
    {
      tag: 'meta-data',
      attributes: { name: 'com.google.android.geo.API_KEY', value: 'restricted-in-console' },
    },
  ];
  const libStrings = ['JNI_OnLoad', 'libc.so', 'https://shield.example.com/v1/attest'];
  let env = 'API_URL=https://shield.example.com\nDEBUG=false\n';
  const plugin: { name: string; data: Buffer }[] = [
    { name: 'plugin.json', data: Buffer.from('{"name":"maps"}') },
  ];
  if (secrets !== null) {
    dexStrings.push(
      plant('github-token', 'classes.dex', secrets.github),
      plant('twilio-api-key', 'classes.dex', secrets.twilioApiKey),
    );
    arscStrings.push(
      plant('mailgun-api-key', 'resources.arsc', secrets.mailgun),
      plant('stripe-publishable-key', 'resources.arsc', secrets.stripePublishable),
    );
    // react-native-config writes every .env value as a string resource named after its key.
    arscResources['CLIENT_SECRET'] = plant('generic-secret', 'resources.arsc', secrets.genericResource);
    metaData[0]!.attributes.value = plant('google-api-key', 'AndroidManifest.xml', secrets.googleApiKey);
    metaData.push({
      tag: 'meta-data',
      attributes: {
        name: 'io.example.SLACK_TOKEN',
        value: plant('slack-token', 'AndroidManifest.xml', secrets.slack),
      },
    });
    libStrings.push(plant('stripe-restricted-key', 'lib/arm64-v8a/libapp.so', secrets.stripeRestricted));
    env += `AWS_ACCESS_KEY_ID=${plant('aws-access-key-id', 'assets/.env', secrets.awsAccessKeyId)}\n`;
    env += `AWS_SECRET_ACCESS_KEY=${plant('aws-secret-access-key', 'assets/.env', secrets.awsSecretAccessKey)}\n`;
    env += `API_TOKEN=${plant('generic-secret', 'assets/.env', secrets.genericToken)}\n`;
    plugin.push({
      name: 'config.json',
      data: Buffer.from(
        JSON.stringify({ session: plant('jwt', 'assets/plugins/maps.zip!/config.json', secrets.jwt) }),
      ),
    });
  }
  const manifest = buildBinaryXml({
    tag: 'manifest',
    attributes: { package: 'com.example.shop' },
    children: [{ tag: 'application', attributes: { label: 'Shop' }, children: metaData }],
  });
  const apk = await buildZip([
    { name: 'AndroidManifest.xml', data: manifest },
    { name: 'classes.dex', data: buildDex(dexStrings) },
    { name: 'resources.arsc', data: buildResourceTable(arscStrings, arscResources), store: true },
    { name: 'assets/index.android.bundle', data: await compileHermes(bundleSource, 96) },
    { name: 'assets/.env', data: Buffer.from(env) },
    { name: 'assets/plugins/maps.zip', data: await buildZip(plugin) },
    { name: 'lib/arm64-v8a/libapp.so', data: buildElf(libStrings, 64 * 1024), store: true },
    { name: 'res/drawable/icon.png', data: buildPng(8192), store: true },
    { name: 'META-INF/MANIFEST.MF', data: Buffer.from('Manifest-Version: 1.0\nCreated-By: test\n') },
  ]);
  return { apk, planted };
}

/**
 * An IPA: Payload/Shop.app with a binary Info.plist, a Hermes bundle (bytecode 99), the Mach-O
 * executable, GoogleService-Info.plist (XML) and an embedded framework.
 */
export async function buildIpa(secrets: FakeSecrets | null): Promise<{ ipa: Buffer; planted: Planted[] }> {
  const planted: Planted[] = [];
  const app = 'Payload/Shop.app';
  const plant = (ruleId: string, entry: string, value: string) => {
    planted.push({ ruleId, entry: `${app}/${entry}`, value });
    return value;
  };
  const info: Record<string, unknown> = {
    CFBundleIdentifier: 'com.example.shop',
    CFBundleVersion: '42',
    UIRequiredDeviceCapabilities: ['arm64'],
  };
  const machoStrings = ['_main', 'https://shield.example.com', 'Bearer '];
  let bundle = CLEAN_APP_SOURCE;
  let firebaseKey = 'set-in-console';
  if (secrets !== null) {
    info['ApiSecret'] = plant('generic-secret', 'Info.plist', secrets.genericToken);
    machoStrings.push(plant('github-token', 'Shop', secrets.github));
    bundle += `\nprint(${JSON.stringify(plant('stripe-secret-key', 'main.jsbundle', secrets.stripeSecret))});\n`;
    firebaseKey = plant('google-api-key', 'GoogleService-Info.plist', secrets.googleApiKey);
  }
  const googleService = `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n\t<key>API_KEY</key>\n\t<string>${firebaseKey}</string>\n\t<key>BUNDLE_ID</key>\n\t<string>com.example.shop</string>\n</dict>\n</plist>\n`;
  const ipa = await buildZip([
    { name: `${app}/Info.plist`, data: bplistCreator(info) },
    { name: `${app}/Shop`, data: buildMachO(machoStrings, 64 * 1024) },
    { name: `${app}/main.jsbundle`, data: await compileHermes(bundle, 99) },
    { name: `${app}/GoogleService-Info.plist`, data: Buffer.from(googleService) },
    { name: `${app}/Frameworks/Pay.framework/Pay`, data: buildMachO(['_pay_init'], 16 * 1024) },
    { name: `${app}/AppIcon60x60@2x.png`, data: buildPng(4096) },
  ]);
  return { ipa, planted };
}
