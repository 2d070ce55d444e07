import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliProcess, freePort, runCli } from '../../test/support/cli-process.js';
import { parseExposition } from '../admin/test-support/parse-exposition.js';

const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const DEBUG_CREDENTIAL = randomBytes(24).toString('base64url');
let appToken = '';

/** An upstream that answers with the provider key it was sent; /api/slow holds its body until released. */
async function startUpstream() {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let slowArrived: () => void = () => undefined;
  const slowSeen = new Promise<void>((resolve) => {
    slowArrived = resolve;
  });
  const server: Server = createServer((req, res) => {
    // Answers which key arrived without echoing it: the shield cuts a response that carries an
    // injected secret (A10-04), so an echo of the key itself would be refused.
    const key = String(req.headers['x-provider-key'] ?? '').replace(/^key-/, 'got-');
    if (req.url === '/api/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${key}|part1|`);
      slowArrived();
      void released.then(() => res.end('part2'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(key);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    release: () => release(),
    slowSeen,
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One GET on a new connection (the cluster hands each new connection to the next worker), with the app token. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = appToken === '' ? headers : { 'portcullis-token': appToken, ...headers };
    const req = request(url, { headers: sent, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.end();
  });
}

/** One admin request on a new connection (so the cluster picks a worker each time), with its Set-Cookie. */
function adminCall(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, setCookie: res.headers['set-cookie'] ?? [] }),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.end(body);
  });
}

interface Files {
  dir: string;
  config: string;
  key: string;
}

function configText(options: {
  port: number;
  upstream: number;
  adminPort?: number;
  extraRoute?: boolean;
  undeclaredSecret?: boolean;
}): string {
  return [
    'issuer: http://127.0.0.1',
    `listen: { port: ${options.port} }`,
    'store: { kind: sqlite, path: ./shield.db }',
    'keys: { dir: ./keys }',
    'logging: { level: info }',
    'apps:',
    '  shop:',
    `    debugTokens: [{ name: ci, sha256: "${createHash('sha256').update(DEBUG_CREDENTIAL).digest('hex')}", expires: 2099-01-01 }]`,
    ...(options.adminPort === undefined
      ? []
      : [
          `admin: { port: ${options.adminPort}, tokenSha256: "${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}" }`,
        ]),
    'secrets:',
    `  provider: \${file:provider.key}`,
    'routes:',
    '  - id: items',
    '    match: { methods: [GET], path: /api/** }',
    `    upstream: http://127.0.0.1:${options.upstream}`,
    '    require: { token: true, level: debug }',
    `    inject: { headers: { x-provider-key: "\${secret:${options.undeclaredSecret ? 'nosuch' : 'provider'}}" } }`,
    ...(options.extraRoute
      ? [
          '  - id: extra',
          '    match: { methods: [GET], path: /extra/** }',
          `    upstream: http://127.0.0.1:${options.upstream}`,
          '    require: { token: true, level: debug }',
        ]
      : []),
    '',
  ].join('\n');
}

async function writeFiles(dir: string, text: string, key: string): Promise<Files> {
  const files = { dir, config: join(dir, 'portcullis.yaml'), key: join(dir, 'provider.key') };
  await writeFile(files.config, text);
  await writeFile(files.key, `${key}\n`);
  await chmod(files.key, 0o600);
  return files;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(answer.status, 200);
  return (await answer.json()) as Record<string, unknown>;
}

/** Waits for /readyz, then takes an app token with the debug credential. */
async function waitReady(url: string, shield: CliProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ready = await get(`${url}/readyz`).then(
      (answer) => answer.status === 200,
      () => false,
    );
    if (ready) {
      const { challenge } = await post(`${url}/v1/challenge`, { appId: 'shop' });
      const { token } = await post(`${url}/v1/attest`, {
        appId: 'shop',
        challenge,
        evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
      });
      appToken = String(token);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the shield did not become ready:\n${shield.output()}`);
}

/** SIGHUP, then the first log line after it that matches `pattern`. */
async function hangUp(shield: CliProcess, pattern: RegExp): Promise<string> {
  const from = shield.output().length;
  shield.kill('SIGHUP');
  await shield.waitFor(pattern, from);
  return shield.output().slice(from);
}

describe('portcullis start: SIGHUP reloads the config (one process)', () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let shield: CliProcess;
  let url: string;
  let files: Files;
  let port: number;
  let adminPort: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-reload-'));
    upstream = await startUpstream();
    port = await freePort();
    adminPort = await freePort();
    url = `http://127.0.0.1:${port}`;
    files = await writeFiles(dir, configText({ port, adminPort, upstream: upstream.port }), 'key-one');
    shield = runCli(['start', '--config', files.config]);
    await waitReady(url, shield);
  });
  after(async () => {
    shield.kill();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a rotated secret file is injected after SIGHUP, and a request in flight finishes on the old config', async () => {
    assert.deepEqual(await get(`${url}/api/a`), { status: 200, body: 'got-one' });
    const slow = get(`${url}/api/slow`);
    await upstream.slowSeen;
    await writeFile(files.key, 'key-two\n');
    const logged = await hangUp(shield, /"msg":"config reloaded"/);
    assert.match(logged, /"inFlight":1/, 'the slow request was still on the old config');
    assert.deepEqual(await get(`${url}/api/b`), { status: 200, body: 'got-two' });
    upstream.release();
    assert.deepEqual(await slow, { status: 200, body: 'got-one|part1|part2' });
    assert.ok(!shield.output().includes('key-two'), 'no secret value in the log');
  });

  test('routes change on reload: a new route serves, a removed one is refused, the admin API lists the policy in force', async () => {
    const routeIds = async () => {
      const answer = await get(`http://127.0.0.1:${adminPort}/routes`, {
        authorization: `Bearer ${ADMIN_TOKEN}`,
      });
      assert.equal(answer.status, 200, answer.body);
      return (JSON.parse(answer.body) as { routes: { id: string }[] }).routes.map((route) => route.id);
    };
    assert.deepEqual(await routeIds(), ['items']);
    assert.equal((await get(`${url}/extra/x`)).status, 404);
    await writeFile(files.config, configText({ port, adminPort, upstream: upstream.port, extraRoute: true }));
    await hangUp(shield, /"msg":"config reloaded"/);
    assert.equal((await get(`${url}/extra/x`)).status, 200);
    assert.deepEqual(await routeIds(), ['items', 'extra']);
    await writeFile(files.config, configText({ port, adminPort, upstream: upstream.port }));
    await hangUp(shield, /"msg":"config reloaded"/);
    assert.equal((await get(`${url}/extra/x`)).status, 404);
    assert.deepEqual(await routeIds(), ['items']);
  });

  test('F-18: a config that does not load keeps the running one and the log says where and why', async () => {
    await writeFile(
      files.config,
      configText({ port, adminPort, upstream: upstream.port, undeclaredSecret: true }),
    );
    const logged = await hangUp(shield, /config reload refused/);
    assert.match(logged, /portcullis\.yaml:\d+:\d+/, 'file:line:column of the problem');
    assert.match(logged, /no secret nosuch is declared/);
    assert.deepEqual(await get(`${url}/api/c`), { status: 200, body: 'got-two' });

    await writeFile(files.config, configText({ port, adminPort, upstream: upstream.port }));
    await writeFile(files.key, '');
    const empty = await hangUp(shield, /config reload refused/);
    assert.match(empty, /secrets\.provider/);
    assert.deepEqual(await get(`${url}/api/d`), { status: 200, body: 'got-two' });
    await writeFile(files.key, 'key-two\n');
  });

  test('a restart-only setting keeps its running value and the log names it', async () => {
    const otherPort = await freePort();
    await writeFile(files.config, configText({ port: otherPort, adminPort, upstream: upstream.port }));
    const logged = await hangUp(shield, /"msg":"config reloaded"/);
    assert.match(logged, /"setting":"listen\.port"/);
    assert.match(logged, /listen\.port changed, which needs a restart; the running value is kept/);
    assert.deepEqual(await get(`${url}/api/e`), { status: 200, body: 'got-two' });
    await assert.rejects(get(`http://127.0.0.1:${otherPort}/api/e`));
  });

  test('SIGTERM still drains and exits 0 after reloads', async () => {
    shield.kill('SIGTERM');
    assert.equal(await shield.exited, 0, shield.output());
  });
});

describe('portcullis start --workers 2: every worker reloads, /metrics counts every worker', () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let shield: CliProcess;
  let url: string;
  let adminUrl: string;
  let files: Files;
  let port: number;
  let adminPort: number;
  let served = 0;

  const callMany = async (count: number): Promise<string[]> => {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await get(`${url}/api/n${i}`);
      assert.equal(answer.status, 200);
      bodies.push(answer.body);
      served++;
    }
    return bodies;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-reload-workers-'));
    upstream = await startUpstream();
    port = await freePort();
    adminPort = await freePort();
    url = `http://127.0.0.1:${port}`;
    adminUrl = `http://127.0.0.1:${adminPort}`;
    files = await writeFiles(dir, configText({ port, adminPort, upstream: upstream.port }), 'key-one');
    shield = runCli(['start', '--config', files.config, '--workers', '2']);
    await waitReady(url, shield);
  });
  after(async () => {
    shield.kill();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('SIGHUP to the primary reloads every worker', async () => {
    assert.deepEqual(new Set(await callMany(6)), new Set(['got-one']));
    await writeFile(files.key, 'key-two\n');
    const from = shield.output().length;
    const logged = await hangUp(shield, /config reloaded by every worker/);
    assert.match(logged, /"workers":2/);
    // Each worker logs its own reload; its line may reach the pipe after the primary's.
    await shield.waitFor(/"msg":"config reloaded"[\s\S]*"msg":"config reloaded"/, from);
    assert.deepEqual(new Set(await callMany(8)), new Set(['got-two']));
  });

  test('a bad config is refused once, in the primary, and every worker keeps serving', async () => {
    await writeFile(files.config, 'listen: [unclosed\n');
    const logged = await hangUp(shield, /config reload refused/);
    assert.match(logged, /portcullis\.yaml:\d+:\d+/);
    assert.deepEqual(new Set(await callMany(6)), new Set(['got-two']));
    await writeFile(files.config, configText({ port, adminPort, upstream: upstream.port }));
  });

  test('every scrape of /metrics, whichever worker answers, counts the requests of both', async () => {
    for (let scrape = 0; scrape < 4; scrape++) {
      const answer = await get(`${adminUrl}/metrics`, { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(answer.status, 200, answer.body);
      const families = parseExposition(answer.body);
      const requests = families.get('portcullis_requests_total');
      const ok = requests?.samples.find((s) => s.labels['route'] === 'items' && s.labels['code'] === 'ok');
      assert.equal(ok?.value, served, 'the sum over both workers');
      const latency = families.get('portcullis_request_duration_seconds');
      assert.equal(latency?.type, 'histogram');
      const count = latency?.samples.find((s) => s.suffix === '_count' && s.labels['route'] === 'items');
      assert.equal(count?.value, served);
      const workers = families.get('portcullis_cluster_workers')?.samples;
      assert.deepEqual(
        workers?.map((s) => [s.labels['state'], s.value]),
        [
          ['alive', 2],
          ['reporting', 2],
        ],
      );
      const memory = families.get('portcullis_process_resident_memory_bytes')?.samples ?? [];
      assert.equal(new Set(memory.map((s) => s.labels['worker'])).size, 2, 'gauges: one sample per worker');
    }
  });

  test('a console session works whichever worker answers: sign in on one, read and sign out on the others', async () => {
    const origin = adminUrl;
    const login = await adminCall(
      `${adminUrl}/console/api/login`,
      'POST',
      { origin, 'content-type': 'application/json' },
      JSON.stringify({ token: ADMIN_TOKEN }),
    );
    assert.equal(login.status, 200, login.body);
    const { csrfToken } = JSON.parse(login.body) as { csrfToken: string };
    let cookie = login.setCookie[0]!.split(';')[0]!;
    // Round-robin hands these connections to both workers; in-process sessions failed half of them.
    for (let i = 0; i < 6; i++) {
      const answer = await adminCall(`${adminUrl}/console/api/session`, 'GET', { cookie });
      assert.equal(answer.status, 200, `request ${i}: ${answer.body}`);
      assert.equal((JSON.parse(answer.body) as { csrfToken: string }).csrfToken, csrfToken);
      const routes = await adminCall(`${adminUrl}/console/api/routes`, 'GET', { cookie });
      assert.equal(routes.status, 200, `request ${i}: ${routes.body}`);
      cookie = routes.setCookie[0]!.split(';')[0]!;
    }
    const out = await adminCall(`${adminUrl}/console/api/logout`, 'POST', {
      cookie,
      origin,
      'x-csrf-token': csrfToken,
    });
    assert.equal(out.status, 200, `the CSRF token holds on whichever worker answers: ${out.body}`);
    assert.match(out.setCookie[0] ?? '', /Max-Age=0/);
    assert.equal(
      (await adminCall(`${adminUrl}/console/api/session`, 'GET', {})).status,
      401,
      'without the cookie (cleared at sign-out) there is no session',
    );
  });

  test('SIGTERM drains every worker and exits 0', async () => {
    shield.kill('SIGTERM');
    assert.equal(await shield.exited, 0, shield.output());
  });
});
