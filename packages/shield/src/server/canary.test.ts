import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DEBUG_CREDENTIAL,
  type LiveShield,
  startLiveShield,
  TEST_SECRET,
} from '../../test/support/live-shield.js';

// The canary: an injected secret, a full app token, a debug credential and a user's
// Authorization value must never appear in a log line, an audit row or a response.
let live: LiveShield;
before(async () => {
  live = await startLiveShield({ store: 'sqlite' });
});
after(() => live.close());

test('no secret, token, credential or Authorization value leaks into logs, audit or responses', async () => {
  const responses: string[] = [];
  const record = async (response: Response) => {
    responses.push(`${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`);
  };
  const challenge = (await live.post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
  const attested = await fetch(`${live.url}/v1/attest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      appId: 'shop',
      challenge,
      evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
    }),
  });
  const attestText = await attested.text();
  const token = (JSON.parse(attestText) as { token: string }).token;
  const userAuthorization = 'Bearer user-session-0123456789abcdef';

  // Allowed: the upstream gets the secret; the client must not.
  await record(
    await fetch(`${live.url}/pay`, {
      method: 'POST',
      headers: { 'portcullis-token': token, 'content-type': 'application/json' },
      body: '{}',
    }),
  );
  assert.equal(live.upstream.requests.at(-1)?.headers['authorization'], `Bearer ${TEST_SECRET}`);
  // Denied in every way we can think of, each carrying something that must not come back.
  await record(
    await fetch(`${live.url}/pay`, {
      method: 'POST',
      headers: { 'portcullis-token': `${token}x` },
      body: '{}',
    }),
  );
  await record(
    await fetch(`${live.url}/pay`, {
      method: 'POST',
      headers: { 'portcullis-token': TEST_SECRET },
      body: '{}',
    }),
  );
  await record(
    await fetch(`${live.url}/strong`, {
      method: 'POST',
      headers: { 'portcullis-token': token, authorization: userAuthorization },
      body: '{}',
    }),
  );
  await record(await fetch(`${live.url}/pay?portcullis-token=${token}`, { method: 'POST', body: '{}' }));
  await record(
    await fetch(`${live.url}/nowhere`, {
      headers: { 'portcullis-token': token, authorization: userAuthorization },
    }),
  );
  await record(
    await fetch(`${live.url}/v1/attest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appId: 'shop',
        challenge: 'c'.repeat(43),
        evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
      }),
    }),
  );
  await record(
    await fetch(`${live.url}/v1/attest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appId: 'shop',
        challenge,
        evidence: [{ type: 'debug', token: `${DEBUG_CREDENTIAL}${TEST_SECRET}` }],
      }),
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const auditRows = await live.shield.stores.audit.query({ limit: 1000 });
  assert.ok(auditRows.length >= 10, 'every request was audited');
  const audit = JSON.stringify(auditRows);
  const logs = live.logs.join('\n');
  const everything = {
    logs,
    audit,
    responses: responses.join('\n'),
    attestResponseMinusToken: attestText.replace(token, ''),
  };
  for (const [where, text] of Object.entries(everything)) {
    for (const [what, value] of Object.entries({
      secret: TEST_SECRET,
      token,
      tokenSignature: token.split('.')[2]!,
      debugCredential: DEBUG_CREDENTIAL,
      userAuthorization: 'user-session-0123456789abcdef',
    })) {
      assert.ok(!text.includes(value), `${what} leaked into ${where}`);
    }
  }
  assert.ok(logs.length > 0, 'the shield did log');
});
