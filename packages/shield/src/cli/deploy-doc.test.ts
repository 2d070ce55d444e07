import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const DEPLOY = fileURLToPath(new URL('../../../../docs/deploy.md', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/portcullis.mjs', import.meta.url));
const INSTALLED_BIN = '/opt/portcullis/node_modules/@portcullis/shield/bin/portcullis.mjs';
const run = promisify(execFile);

async function systemdAnalyze(): Promise<boolean> {
  return run('systemd-analyze', ['--version']).then(
    () => true,
    () => false,
  );
}

/** The unit of docs/deploy.md, with node and the CLI at this machine's paths (verify checks they exist). */
async function documentedUnit(): Promise<string> {
  const docs = await readFile(DEPLOY, 'utf8');
  const start = docs.indexOf('```ini\n', docs.indexOf('## systemd'));
  assert.ok(start >= 0, 'docs/deploy.md has an ini block under "## systemd"');
  const unit = docs.slice(start + 7, docs.indexOf('```', start + 7));
  assert.ok(
    unit.includes(`/usr/bin/node ${INSTALLED_BIN} start --config`),
    'ExecStart runs portcullis start',
  );
  return unit.replaceAll('/usr/bin/node', process.execPath).replaceAll(INSTALLED_BIN, BIN);
}

test('the systemd unit of docs/deploy.md passes systemd-analyze verify without a warning', async (t) => {
  const unit = await documentedUnit();
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m, 'reload is SIGHUP to the primary');
  assert.match(unit, /^KillMode=mixed$/m, 'SIGTERM reaches the primary only, which drains its workers');
  if (!(await systemdAnalyze())) {
    t.skip('systemd-analyze is not installed (Debian: apt-get install systemd); the unit was not verified');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-unit-'));
  try {
    const file = join(dir, 'portcullis.service');
    await writeFile(file, unit);
    const { stdout, stderr } = await run('systemd-analyze', ['verify', file]).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        assert.fail(`systemd-analyze verify refused the unit:\n${error.stderr ?? error.message}`);
      },
    );
    // verify exits 0 on an unknown value it ignores; it says so on stderr.
    assert.equal(`${stdout}${stderr}`.trim(), '');
    const broken = join(dir, 'broken.service');
    await writeFile(broken, unit.replace('KillMode=mixed', 'KillMode=sometimes'));
    const refused = await run('systemd-analyze', ['verify', broken]).then(
      ({ stderr: said }) => said,
      (error: { stderr?: string }) => error.stderr ?? 'failed',
    );
    assert.match(refused, /kill mode/i, 'the check above can fail');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
