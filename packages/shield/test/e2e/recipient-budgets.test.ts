/**
 * Recipient budgets attacked through a running shield (e-mail and SMS pumping): a budget counts
 * every address, however the body packs them (a thousand in one array element, separated by
 * commas, semicolons, spaces or line breaks, nested arrays, cc and bcc, provider objects), and a
 * farm of genuine devices meets the per-app budget beside the per-device one. Every refusal is
 * NF: the upstream's request count is unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LiveShield, startLiveShield } from '../support/live-shield.js';
import { attestedAppleDevice, debugToken, settle } from './e2e-helpers.js';

const RECIPIENTS = '["$.to", "$.cc", "$.bcc"]';

let live: LiveShield;
let token: string;

before(async () => {
  live = await startLiveShield({
    extraYaml: (upstream) => `  - id: mail
    match: { methods: [POST], path: /mail }
    upstream: ${upstream}
    require: { token: true }
    limits:
      - { per: app, max: 50, window: 1d, name: recipients, cost: { paths: ${RECIPIENTS} } }
  - id: sendgrid
    match: { methods: [POST], path: /sendgrid }
    upstream: ${upstream}
    require: { token: true }
    limits:
      - per: app
        max: 50
        window: 1d
        name: recipients
        cost: { paths: ["$.personalizations[*].to", "$.personalizations[*].cc", "$.personalizations[*].bcc"] }
  - id: farm
    match: { methods: [POST], path: /farm }
    upstream: ${upstream}
    require: { token: true, level: hardware }
    limits:
      - { per: device, max: 5, window: 1d, name: recipients, cost: { paths: ${RECIPIENTS} } }
      - { per: app, max: 8, window: 1d, name: recipients-app, cost: { paths: ${RECIPIENTS} } }
      - { per: ip, max: 100, window: 1d, name: recipients-ip, cost: { paths: ${RECIPIENTS} } }
`,
  });
  token = await debugToken(live);
});
after(() => live.close());

async function mail(path: string, body: unknown, bearer = token) {
  const forwarded = live.upstream.requests.length;
  const response = await live.post(path, body, { 'portcullis-token': bearer });
  await settle();
  return { ...response, forwarded: live.upstream.requests.length - forwarded };
}

/** Units left in the named budget, from the RateLimit header. */
function remaining(headers: Headers, policy: string): number {
  const match = new RegExp(`"${policy}";r=(\\d+)`).exec(headers.get('ratelimit') ?? '');
  assert.ok(match, headers.get('ratelimit') ?? 'no RateLimit header');
  return Number(match[1]);
}

describe('a recipients budget counts addresses, not array elements', () => {
  test('1000 comma-separated addresses in one element cost 1000: refused whole, NF', async () => {
    const list = Array.from({ length: 1000 }, (_, i) => `victim${i}@x.example`).join(',');
    const response = await mail('/mail', { to: [list] });
    assert.equal(response.status, 429, response.text);
    assert.equal(response.body['code'], 'budget_exhausted');
    assert.equal(response.forwarded, 0, 'NF');
  });

  test('separators, nested arrays, cc and bcc all count per address; a display name counts once', async () => {
    const first = await mail('/mail', {
      to: [['a@x.example', ['b@x.example']], 'c@x.example; d@x.example'],
      cc: 'e@x.example f@x.example\ng@x.example',
      bcc: ['"Ana" <ana@x.example>', 'Bo Li <bo@x.example>'],
    });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.forwarded, 1);
    assert.equal(remaining(first.headers, 'recipients'), 50 - 9);
    // 41 units are left: 42 addresses in one request are refused and spend nothing.
    const many = Array.from({ length: 42 }, (_, i) => `m${i}@x.example`).join(' ');
    const refused = await mail('/mail', { to: many });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.forwarded, 0, 'NF');
    const fits = await mail('/mail', { to: [many.split(' ').slice(0, 41).join('\n')] });
    assert.equal(fits.status, 200, fits.text);
    assert.equal(remaining(fits.headers, 'recipients'), 0);
  });

  test('provider objects: {email} recipients in SendGrid personalizations are counted', async () => {
    const response = await mail('/sendgrid', {
      personalizations: [
        { to: [{ email: 'a@x.example', name: 'A' }, { email: 'b@x.example, c@x.example' }] },
        { to: [{ email: 'd@x.example' }], cc: [{ email: 'e@x.example' }], bcc: [{ email: 'f@x.example' }] },
      ],
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(remaining(response.headers, 'recipients'), 50 - 6);
  });

  test('a body whose recipients cannot be read is refused (400), NF', async () => {
    for (const body of [
      { to: [{ name: 'no address' }] },
      { to: 'Ana <a@x.example, b@x.example>' },
      { TO: ['a@x.example'], cc: 'b@x.example' },
    ]) {
      const response = await mail('/sendgrid', { personalizations: [body] });
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
      assert.equal(response.forwarded, 0, 'NF');
    }
  });
});

describe('device budgets alone do not stop a farm of devices: the per-app budget does', () => {
  test('each new device brings a fresh device budget; the app budget is shared', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { token: deviceToken } = await attestedAppleDevice(live);
      const response = await mail(
        '/farm',
        { to: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example'] },
        deviceToken,
      );
      statuses.push(response.status);
      if (response.status === 429) assert.equal(response.forwarded, 0, 'NF');
    }
    // Every device stays within its own 5, but the third takes the app past 8.
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});
