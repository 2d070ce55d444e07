import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { type CliProcess, freePort, runCli } from '../../test/support/cli-process.js';

interface Pair {
  cert: string;
  key: string;
  fingerprint: string;
}

async function selfSigned(name: string): Promise<Pair> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  // TLS checks validity against the real clock, so the window is around it.
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const cert = certificate.toString('pem');
  return {
    cert,
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    fingerprint: new X509Certificate(cert).fingerprint256,
  };
}

interface Answer {
  status: number;
  protocol: string | null;
  fingerprint: string;
  socket: TLSSocket;
}

/** A GET over TLS that trusts only `ca`; `agent` reuses a kept-alive connection. */
function get(
  url: string,
  options: { ca: string; agent?: Agent; maxVersion?: 'TLSv1.2' | 'TLSv1.3' },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: options.ca,
        ...(options.agent === undefined ? { agent: false } : { agent: options.agent }),
        ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
        timeout: 20_000,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const answer = {
          status: res.statusCode ?? 0,
          protocol: socket.getProtocol(),
          fingerprint: socket.getPeerX509Certificate()?.fingerprint256 ?? '',
          socket,
        };
        res.resume();
        res.on('end', () => resolve(answer));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.end();
  });
}

function configText(port: number, minVersion?: string): string {
  return [
    'issuer: https://127.0.0.1',
    'listen:',
    `  port: ${port}`,
    '  tls:',
    '    certFile: ./tls/cert.pem',
    '    keyFile: ./tls/key.pem',
    ...(minVersion === undefined ? [] : [`    minVersion: ${minVersion}`]),
    'http: { keepAliveTimeoutMs: 120000 }',
    'store: { kind: sqlite, path: ./shield.db }',
    'keys: { dir: ./keys }',
    'logging: { level: info }',
    '',
  ].join('\n');
}

describe('portcullis start with listen.tls: HTTPS, and certificate reload on SIGHUP', () => {
  let dir: string;
  let shield: CliProcess;
  let url: string;
  let port: number;
  let first: Pair;
  let second: Pair;
  let config: string;

  const install = async (pair: { cert: string; key: string }) => {
    await writeFile(join(dir, 'tls', 'cert.pem'), pair.cert);
    await writeFile(join(dir, 'tls', 'key.pem'), pair.key);
    await chmod(join(dir, 'tls', 'key.pem'), 0o600);
  };
  const hangUp = async (pattern: RegExp): Promise<string> => {
    const from = shield.output().length;
    shield.kill('SIGHUP');
    await shield.waitFor(pattern, from);
    return shield.output().slice(from);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-tls-'));
    await mkdir(join(dir, 'tls'));
    [first, second] = await Promise.all([selfSigned('127.0.0.1'), selfSigned('127.0.0.1')]);
    await install(first);
    port = await freePort();
    url = `https://127.0.0.1:${port}`;
    config = join(dir, 'portcullis.yaml');
    await writeFile(config, configText(port));
    shield = runCli(['start', '--config', config]);
    await shield.waitFor(/"msg":"listening"/);
  });
  after(async () => {
    shield.kill();
    await rm(dir, { recursive: true, force: true });
  });

  test('A8-01: a TLS client that trusts the certificate gets answers; TLS 1.2 is accepted by default', async () => {
    const answer = await get(`${url}/livez`, { ca: first.cert });
    assert.equal(answer.status, 200);
    assert.equal(answer.fingerprint, first.fingerprint);
    assert.match(shield.output(), new RegExp(`"url":"https://127\\.0\\.0\\.1:${port}"`));
    const tls12 = await get(`${url}/livez`, { ca: first.cert, maxVersion: 'TLSv1.2' });
    assert.equal(tls12.protocol, 'TLSv1.2');
    await assert.rejects(
      get(`${url}/livez`, { ca: second.cert }),
      'a client that does not trust the certificate refuses it',
    );
  });

  test('after SIGHUP new connections get the renewed certificate and minVersion; the open one keeps working', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: first.cert });
    try {
      const before = await get(`${url}/livez`, { ca: first.cert, agent });
      assert.equal(before.fingerprint, first.fingerprint);

      await install(second);
      await writeFile(config, configText(port, 'TLSv1.3'));
      await hangUp(/"msg":"config reloaded"/);

      const again = await get(`${url}/livez`, { ca: first.cert, agent });
      assert.equal(again.status, 200);
      // The same connection, opened with the first certificate (the agent trusts no other).
      assert.equal(again.socket, before.socket, 'the same kept-alive connection');

      const fresh = await get(`${url}/livez`, { ca: second.cert });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.fingerprint, second.fingerprint);
      assert.equal(fresh.protocol, 'TLSv1.3');
      await assert.rejects(get(`${url}/livez`, { ca: first.cert }), 'the old certificate is gone');
      await assert.rejects(
        get(`${url}/livez`, { ca: second.cert, maxVersion: 'TLSv1.2' }),
        'minVersion TLSv1.3 refuses a TLS 1.2 client',
      );
    } finally {
      agent.destroy();
    }
  });

  test('a certificate and key that do not match are refused at reload (the running pair stays) and by check', async () => {
    await writeFile(join(dir, 'tls', 'key.pem'), first.key);
    const logged = await hangUp(/config reload refused/);
    assert.match(logged, /portcullis\.yaml:\d+:\d+/);
    assert.match(logged, /listen\.tls\.keyFile/);
    const still = await get(`${url}/livez`, { ca: second.cert });
    assert.equal(still.fingerprint, second.fingerprint);

    const check = runCli(['check', '--config', config]);
    assert.equal(await check.exited, 1);
    assert.match(check.output(), /portcullis\.yaml:\d+:\d+ +listen\.tls\.keyFile: .*cannot be used/);
    assert.match(check.output(), /fix: point certFile at the PEM certificate/);
  });

  test('SIGTERM drains and exits 0', async () => {
    shield.kill('SIGTERM');
    assert.equal(await shield.exited, 0, shield.output());
  });
});
