// The published packages as a new user gets them: every workspace package is built and packed
// (`npm pack`), the tarballs are installed with `--omit=dev` into a new project in a temporary
// folder outside the repository, and there the `portcullis` command, the shield, the client and
// the type declarations are used as the README says. Slow (the SQLite binding compiles from
// source): not part of `npm test`; `npm run test:pack` runs it, and so does `.ci/run`.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ANDROID_FIXTURES,
  type GoogleKeyDescriptionJson,
  googleCreationTime,
  readJsonFixture,
} from '../packages/shield/test/fixtures/android/android-fixtures.js';
import { loadAppleAttestationVectors } from '../packages/shield/test/fixtures/apple/load-apple-vectors.js';

const ROOT = new URL('..', import.meta.url).pathname;
const PACKAGES = ['protocol', 'client', 'shield', 'testkit'] as const;
const INSTALL_TIMEOUT_MS = 20 * 60_000;

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** The environment of a command a user types: none of the npm variables of the `npm run` around this test. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|TSX_)/i.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs?: number; env?: Record<string, string> },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: userEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took longer than ${options.timeoutMs ?? 120_000} ms`));
    }, options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function ok(ran: Ran, what: string): Ran {
  assert.equal(ran.code, 0, `${what} exited ${ran.code}:\n${ran.out}\n${ran.err}`);
  return ran;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let root: string;
let tarballs: string[];
let project: string;
let install: Ran;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-pack-'));
  assert.ok(!root.startsWith(ROOT), 'the project lives outside the repository');
  ok(await run('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 5 * 60_000 }), 'npm run build');
  const packed = ok(
    await run(
      'npm',
      [
        'pack',
        '--json',
        '--pack-destination',
        root,
        ...PACKAGES.flatMap((name) => ['-w', `packages/${name}`]),
      ],
      { cwd: ROOT, timeoutMs: 5 * 60_000 },
    ),
    'npm pack',
  );
  const manifest = JSON.parse(packed.out) as Array<{
    name: string;
    filename: string;
    files: { path: string }[];
  }>;
  tarballs = manifest.map((entry) => join(root, entry.filename.replace(/^@/, '').replace('/', '-')));
  for (const entry of manifest) {
    const files = entry.files.map((file) => file.path);
    assert.ok(
      files.includes('dist/index.js') && files.includes('dist/index.d.ts'),
      `${entry.name}: ${files}`,
    );
    assert.ok(files.includes('LICENSE') && files.includes('README.md'), `${entry.name}: licence and readme`);
    const stray = files.filter(
      (file) => /^src\/|\.test\.|tsbuildinfo|test-support|\.ts$/.test(file) && !file.endsWith('.d.ts'),
    );
    assert.deepEqual(stray, [], `${entry.name} ships only its built output`);
  }
  project = join(root, 'app');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'portcullis-pack-check',
        private: true,
        type: 'module',
        allowScripts: { 'better-sqlite3': true },
      },
      null,
      2,
    )}\n`,
  );
  install = await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', ...tarballs], {
    cwd: project,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
});

after(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('the packed packages, installed with --omit=dev in a new project', () => {
  test('npm pack writes one tarball per package, and they install without dev tools or warnings', async () => {
    assert.equal(tarballs.length, PACKAGES.length);
    for (const tarball of tarballs) assert.ok(existsSync(tarball), tarball);
    ok(install, 'npm install of the tarballs');
    assert.doesNotMatch(install.err, /install-scripts|ERR!/, install.err);
    for (const devTool of ['tsx', 'typescript', 'esbuild', 'fast-check']) {
      assert.ok(!existsSync(join(project, 'node_modules', devTool)), `${devTool} is not installed`);
    }
    for (const name of PACKAGES) {
      const manifest = JSON.parse(
        await readFile(join(project, 'node_modules', '@portcullis', name, 'package.json'), 'utf8'),
      ) as { version: string };
      assert.equal(manifest.version, '0.1.0');
    }
  });

  test('npx portcullis --help prints the usage', async () => {
    const help = ok(await run('npx', ['portcullis', '--help'], { cwd: project }), 'npx portcullis --help');
    assert.match(help.out, /Usage: portcullis/);
    assert.match(help.out, /start/);
    assert.equal(help.err, '', 'nothing on stderr (no warning)');
  });

  describe('a shield made with init, checked, started', () => {
    const debugToken = randomBytes(24).toString('base64url');
    let shieldDir: string;
    let upstream: Server;
    const received: IncomingMessage[] = [];
    let shield: ChildProcess | undefined;
    let shieldOutput = '';
    let url: string;

    before(async () => {
      upstream = createServer((request, response) => {
        received.push(request);
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ hello: 'from the backend', path: request.url }));
      });
      const upstreamPort = await listen(upstream);
      const port = await freePort();
      shieldDir = join(project, 'shield');
      ok(
        await run('npx', ['portcullis', 'init', '--dir', 'shield', '--port', String(port)], { cwd: project }),
        'portcullis init',
      );
      // The app and the route a first real config adds; keys and database where init put them.
      await writeFile(
        join(shieldDir, 'shop.yaml'),
        [
          'mode: production',
          `issuer: "http://127.0.0.1:${port}"`,
          `listen: { host: "127.0.0.1", port: ${port} }`,
          'store: { kind: sqlite, path: ./data/portcullis.db }',
          'keys: { dir: ./data/keys }',
          'apps:',
          '  shop:',
          `    debugTokens: [{ name: ci, sha256: "${createHash('sha256').update(debugToken).digest('hex')}", expires: 2099-01-01 }]`,
          'routes:',
          '  - id: api',
          '    match: { methods: [GET], path: /api/** }',
          `    upstream: "http://127.0.0.1:${upstreamPort}"`,
          // A production route takes debug tokens only where it says so (check warns about it).
          '    require: { token: true, level: debug }',
          '',
        ].join('\n'),
      );
      url = `http://127.0.0.1:${port}`;
    });

    after(async () => {
      if (shield !== undefined && shield.exitCode === null) {
        const exited = new Promise((resolve) => shield?.once('exit', resolve));
        shield.kill('SIGKILL');
        await exited;
      }
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    });

    test('init wrote a config and a signing key; check accepts it and the one with an app', async () => {
      assert.ok(existsSync(join(shieldDir, 'portcullis.yaml')));
      ok(
        await run('npx', ['portcullis', 'check', '--config', 'shield/portcullis.yaml'], { cwd: project }),
        'check of the init config',
      );
      ok(
        await run('npx', ['portcullis', 'check', '--config', 'shield/shop.yaml'], { cwd: project }),
        'check',
      );
    });

    test('node_modules/.bin/portcullis start: /livez answers, a request without a token is refused before the backend', async () => {
      // The installed command itself, as a service manager runs it (npx does not pass SIGTERM on).
      shield = spawn(join('node_modules', '.bin', 'portcullis'), ['start', '--config', 'shield/shop.yaml'], {
        cwd: project,
        env: userEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      shield.stdout?.on('data', (chunk: Buffer) => (shieldOutput += chunk.toString()));
      shield.stderr?.on('data', (chunk: Buffer) => (shieldOutput += chunk.toString()));
      let live: Response | undefined;
      for (let attempt = 0; attempt < 300 && live === undefined; attempt++) {
        live = await fetch(`${url}/livez`).catch(() => undefined);
        if (live === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(live?.status, 200, shieldOutput);
      const refused = await fetch(`${url}/api/orders`);
      assert.equal(refused.status, 401);
      assert.equal(((await refused.json()) as { code: string }).code, 'token_missing');
      assert.equal(received.length, 0, 'the backend saw nothing');
    });

    test('a plain Node script imports the client and gets through the shield with a debug credential', async () => {
      await writeFile(
        join(project, 'client.mjs'),
        [
          "import { createDebugProvider, createPortcullis } from '@portcullis/client';",
          'const portcullis = createPortcullis({',
          '  baseUrl: process.env.SHIELD_URL,',
          "  appId: 'shop',",
          '  provider: createDebugProvider({ token: process.env.DEBUG_TOKEN }),',
          '});',
          "const response = await portcullis.fetch('/api/orders');",
          'console.log(JSON.stringify({ status: response.status, body: await response.json() }));',
          '',
        ].join('\n'),
      );
      const ran = ok(
        await run(process.execPath, ['client.mjs'], {
          cwd: project,
          env: { SHIELD_URL: url, DEBUG_TOKEN: debugToken },
        }),
        'node client.mjs',
      );
      const answer = JSON.parse(ran.out) as { status: number; body: { hello: string; path: string } };
      assert.deepEqual(answer, { status: 200, body: { hello: 'from the backend', path: '/api/orders' } });
      assert.equal(received.length, 1);
    });

    test('the shield stops on SIGTERM with exit code 0', async () => {
      assert.ok(shield !== undefined, 'started');
      const exited = new Promise<number | null>((resolve) => shield?.once('exit', resolve));
      shield.kill('SIGTERM');
      assert.equal(await exited, 0, shieldOutput);
      shield = undefined;
    });
  });

  test('evidence verify accepts a real iPhone attestation and a real Pixel key attestation', async () => {
    const vector = loadAppleAttestationVectors().find((each) => each.environment === 'production')!;
    await writeFile(join(project, 'attestation.b64'), Buffer.from(vector.attestation).toString('base64'));
    const apple = ok(
      await run(
        'npx',
        [
          'portcullis',
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
          '--client-data-hash',
          Buffer.from(vector.clientDataHash).toString('base64'),
          '--at',
          vector.at.toISOString(),
        ],
        { cwd: project },
      ),
      'evidence verify (apple)',
    );
    assert.match(apple.out, /accepted \(apple-app-attest\)/);

    const name = 'keyattestation-google/pixel9a-tegu-2026-02-tee-ec-ecroot';
    const description = readJsonFixture<GoogleKeyDescriptionJson>(`${name}.json`);
    const android = await run(
      'npx',
      [
        'portcullis',
        'evidence',
        'verify',
        '--type',
        'android-key-attestation',
        '--chain',
        `@${join(ANDROID_FIXTURES, `${name}.pem`)}`,
        '--challenge',
        description.attestationChallenge,
        '--at',
        googleCreationTime(description).toISOString(),
        '--json',
      ],
      { cwd: project },
    );
    ok(android, 'evidence verify (android)');
    assert.equal((JSON.parse(android.out) as { accepted: boolean }).accepted, true);
  });

  test('a strict TypeScript project type-checks against the client, and a wrong call is an error', async () => {
    const dir = join(project, 'ts');
    await mkdir(dir);
    await writeFile(
      join(dir, 'app.ts'),
      [
        "import { createDebugProvider, createPortcullis, type Portcullis, PortcullisError } from '@portcullis/client';",
        '',
        'export const portcullis: Portcullis = createPortcullis({',
        "  baseUrl: 'https://shield.example.com',",
        "  appId: 'shop',",
        "  provider: createDebugProvider({ token: 'ci-token' }),",
        "  publicRoutes: [{ methods: ['GET'], path: '/catalog' }],",
        '});',
        '',
        'export async function orders(): Promise<number> {',
        '  try {',
        "    const response: Response = await portcullis.fetch('/api/orders');",
        '    return response.status;',
        '  } catch (error) {',
        '    if (error instanceof PortcullisError) return error.status ?? 0;',
        '    throw error;',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'wrong.ts'),
      "import { createPortcullis } from '@portcullis/client';\nexport const wrong = createPortcullis({ appId: 42 });\n",
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const resolution of ['NodeNext', 'Bundler'] as const) {
      const options = {
        strict: true,
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
        moduleResolution: resolution,
        types: [],
        noEmit: true,
        skipLibCheck: false,
      };
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: options, files: ['app.ts'] }),
      );
      ok(await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }), `tsc (${resolution})`);
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: options, files: ['wrong.ts'] }),
      );
      const wrong = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
      assert.equal(wrong.code, 2, `a wrong call fails the type check (${resolution}):\n${wrong.out}`);
      assert.match(wrong.out, /wrong\.ts.*error TS/);
    }
  });

  test('the shield and the test kit import in plain Node (no TypeScript loader)', async () => {
    const ran = ok(
      await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          [
            "const shield = await import('@portcullis/shield');",
            "const testkit = await import('@portcullis/testkit');",
            "const protocol = await import('@portcullis/protocol');",
            'const authority = testkit.createAppAttestTestAuthority();',
            'console.log(JSON.stringify({',
            '  createShield: typeof shield.createShield, parseConfig: typeof shield.parseConfig,',
            '  authority: typeof authority, codes: Object.keys(protocol.ERROR_CODES).length > 0 }));',
          ].join('\n'),
        ],
        { cwd: project },
      ),
      'import in plain node',
    );
    assert.deepEqual(JSON.parse(ran.out), {
      createShield: 'function',
      parseConfig: 'function',
      authority: 'object',
      codes: true,
    });
  });
});
