// The console in a real browser (Debian's chromium driven by playwright-core) against a real
// shield with traffic: sign in, see the charts fill, find a device and revoke it (and the gateway
// refuses it), issue a debug credential and use it. Screenshots of each page land in
// docs/console/ (shown in docs/console.md) when PORTCULLIS_CONSOLE_SCREENSHOTS=1.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSoftwareAppAttestDevice } from '@portcullis/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type LiveShield, sha256, startLiveShield } from '../../../test/support/live-shield.js';

const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const SHOTS = fileURLToPath(new URL('../../../../../docs/console/', import.meta.url));
const SAVE_SHOTS = process.env['PORTCULLIS_CONSOLE_SCREENSHOTS'] === '1';

function chromiumPath(): string | undefined {
  for (const candidate of [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate !== undefined && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

let live: LiveShield;
let adminUrl: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function attestAppleDevice() {
  const device = createSoftwareAppAttestDevice({
    authority: live.apple,
    appId: 'ABCDE12345.com.example.shop',
    environment: 'production',
  });
  const challenge = (await live.post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
  const attested = await live.post('/v1/attest', {
    appId: 'shop',
    challenge,
    evidence: [
      {
        type: 'apple-app-attest',
        keyId: device.keyId,
        attestation: Buffer.from(device.attest(sha256(challenge))).toString('base64'),
      },
    ],
  });
  assert.equal(attested.status, 200, attested.text);
  return { keyId: device.keyId, token: attested.body['token'] as string };
}

async function attestDebug(credential: string) {
  const challenge = (await live.post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
  return live.post('/v1/attest', {
    appId: 'shop',
    challenge,
    evidence: [{ type: 'debug', token: credential }],
  });
}

async function shot(name: string): Promise<void> {
  if (!SAVE_SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

before(async () => {
  const executablePath = chromiumPath();
  assert.ok(executablePath, 'chromium is installed (.ci/run installs it)');
  execFileSync(process.execPath, [
    fileURLToPath(new URL('../../../console/build-console.mjs', import.meta.url)),
  ]);
  const port = await freePort();
  adminUrl = `http://127.0.0.1:${port}`;
  live = await startLiveShield({
    overrides: { revocationStalenessMs: 0 },
    extraYaml: (upstream) =>
      `  - id: debug-pay\n    match: { methods: [POST], path: /debug-pay }\n    upstream: ${upstream}\n    require: { token: true, level: debug }\n` +
      `  - id: legacy\n    match: { methods: [POST], path: /legacy }\n    upstream: ${upstream}\n    tokenMode: monitor\n    require: { token: true, level: hardware }\n` +
      `admin: { host: 127.0.0.1, port: ${port}, tokenSha256: "${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}" }\n`,
  });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
});

after(async () => {
  await browser?.close();
  await live?.close();
});

test('the console: sign in, charts, devices, revoke, debug credentials, every page', async () => {
  // Traffic: two attested devices calling routes as two app versions, refusals without tokens,
  // and requests to a route in monitor mode.
  const phone = await attestAppleDevice();
  const other = await attestAppleDevice();
  for (let i = 0; i < 6; i += 1) {
    const version = i % 2 === 0 ? '2.4.0' : '2.3.1';
    assert.equal(
      (await live.post('/strong', '{}', { 'portcullis-token': phone.token, 'x-app-version': version }))
        .status,
      200,
    );
    await live.post('/pay', '{}', { 'portcullis-token': other.token, 'x-app-version': version });
    assert.equal((await live.post('/strong', '{}')).status, 401);
  }
  // A route in monitor mode: requests its token requirement would refuse are forwarded and
  // recorded with details.wouldRefuse by the gateway itself.
  for (let i = 0; i < 8; i += 1) {
    const monitored = await live.post(
      '/legacy',
      '{}',
      i < 3 ? { 'x-app-version': '2.3.1' } : { 'portcullis-token': phone.token, 'x-app-version': '2.4.0' },
    );
    assert.equal(monitored.status, 200, monitored.text);
  }

  // The token never reaches the page: it is posted once and the cookie is HttpOnly.
  await page.goto(`${adminUrl}/console`);
  await page.getByLabel('Admin token').fill('wrong-token-value');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('p.error[role=alert]').waitFor();
  await shot('sign-in');
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  const cookies = await page.context().cookies();
  const session = cookies.find((cookie) => cookie.name === 'portcullis_console');
  assert.ok(session?.httpOnly, 'HttpOnly');
  assert.equal(session?.sameSite, 'Strict');
  assert.equal(session?.path, '/console');
  assert.equal(await page.evaluate('document.cookie'), '', 'scripts see no cookie');
  assert.equal(await page.evaluate('JSON.stringify(localStorage) + JSON.stringify(sessionStorage)'), '{}{}');

  // The charts fill from the traffic above.
  await page.locator('[data-total="allowed"]').filter({ hasNotText: /^0$/ }).waitFor();
  assert.ok(Number(await page.locator('[data-total="refused"]').textContent()) >= 6);
  assert.equal(await page.locator('[data-total="wouldRefuse"]').textContent(), '3');
  assert.ok((await page.locator('svg[data-chart="time"] rect[data-series="allowed"]').count()) > 0);
  assert.ok((await page.locator('svg[data-chart="bars"]').count()) >= 4);
  await page.getByRole('img', { name: 'Requests per app version' }).getByText('2.4.0').waitFor();
  await shot('overview');

  // Find the device by key id and revoke it; the gateway refuses its token.
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  await page.getByRole('table', { name: 'Devices' }).getByText(phone.keyId).waitFor();
  await shot('devices');
  await page.getByLabel('Key id').fill(phone.keyId);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: /Device ios · hardware/ }).waitFor();
  await page.getByRole('table', { name: 'Audit records' }).getByText('strong').first().waitFor();
  await page.getByLabel('Reason for revoking').fill('lost phone, ticket 4711');
  await page.getByRole('button', { name: 'Revoke device' }).click();
  await page.getByText('This device is revoked').waitFor();
  await shot('device');
  const refused = await live.post('/strong', '{}', { 'portcullis-token': phone.token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body['code'], 'device_revoked');

  // Audit search by reason.
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByLabel('Reason', { exact: true }).fill('token_missing');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('table', { name: 'Audit records' }).getByText('token_missing').first().waitFor();
  await shot('audit');

  // Issue a debug credential (shown once), use it at /v1/attest, revoke it, and it stops working.
  await page.getByRole('link', { name: 'Debug credentials' }).click();
  await page.getByLabel('Holder (name)').fill('qa-device-farm');
  await page.getByRole('button', { name: 'Issue' }).click();
  await page.getByTestId('secret').or(page.locator('p.error')).first().waitFor();
  assert.equal(await page.locator('p.error').count(), 0, await page.locator('main').innerText());
  const secret = (await page.getByTestId('secret').textContent()) ?? '';
  assert.match(secret, /^pcd_[A-Za-z0-9_-]{43}$/);
  await shot('debug-credentials');
  const attested = await attestDebug(secret);
  assert.equal(attested.status, 200, attested.text);
  const used = await live.post('/debug-pay', '{}', { 'portcullis-token': attested.body['token'] as string });
  assert.equal(used.status, 200, used.text);
  await page.getByRole('button', { name: 'Revoke qa-device-farm' }).click();
  await page.getByRole('cell', { name: 'revoked' }).waitFor();
  const afterRevoke = await attestDebug(secret);
  assert.equal(afterRevoke.status, 401 <= afterRevoke.status ? afterRevoke.status : 0);
  assert.equal(afterRevoke.body['code'], 'evidence_invalid');

  // Keys, routes and what breaks if I enforce.
  await page.getByRole('link', { name: 'Keys' }).click();
  await page.getByRole('table', { name: 'Signing keys' }).getByText('active').waitFor();
  await page.getByRole('button', { name: 'Rotate signing key' }).click();
  await page.getByRole('table', { name: 'Signing keys' }).getByRole('row').nth(2).waitFor();
  await shot('keys');
  await page.getByRole('link', { name: 'Routes' }).click();
  await page
    .getByRole('table', { name: 'Routes' })
    .getByRole('row', { name: /legacy .* monitor/ })
    .waitFor();
  await shot('routes');
  await page.getByRole('link', { name: 'What breaks if I enforce' }).click();
  await page.getByRole('heading', { name: /^legacy: 37\.5 % of 8 requests would be refused$/ }).waitFor();
  await shot('what-breaks');

  // Keyboard: the navigation is reachable and operable with Tab and Enter.
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();

  // Sign out ends the session server-side.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Admin token').waitFor();
  assert.equal((await page.request.get(`${adminUrl}/console/api/session`)).status(), 401);
  assert.deepEqual(
    consoleErrors.filter((text) => !/401|403/.test(text)),
    [],
    'no CSP or script errors',
  );
});
