import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { systemClock } from '../../clock.js';
import { createKeyStore, createTokenVerifier, inspectToken } from '../../tokens/index.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

/** Reads a value given inline or as `@FILE`. */
export async function inlineOrFile(value: string, io: CliIo, what: string): Promise<string> {
  if (!value.startsWith('@')) return value;
  const path = resolve(io.cwd, value.slice(1));
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new CliError(`${what}: cannot read ${path}`, {
      exitCode: 2,
      fix: 'pass the value itself or @ and a readable file',
    });
  }
}

/**
 * `portcullis token inspect TOKEN [--config FILE]`: decodes without trusting; with a config,
 * verifies against the shield's keys and says why a token is refused.
 */
export async function tokenInspectCommand(
  token: string,
  options: { config?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const text = await inlineOrFile(token, io, 'token');
  let verifier: Parameters<typeof inspectToken>[1];
  if (options.config !== undefined) {
    const config = await loadConfigOrFail(options.config, io);
    const keys = createKeyStore({
      dir: config.keys.dir,
      alg: config.keys.alg,
      clock: systemClock,
      create: false,
    });
    await keys.load();
    const audiences = [...new Set(Object.values(config.apps).flatMap((app) => app.audiences))];
    verifier = createTokenVerifier({
      keys,
      issuer: config.issuer,
      audiences: audiences.length > 0 ? audiences : ['none'],
      clock: systemClock,
      clockToleranceSeconds: config.tokens.clockToleranceSeconds,
      maxLifetimeSeconds: config.tokens.maxTtlSeconds,
    });
  }
  const inspection = await inspectToken(text, verifier);
  if (options.json === true) {
    io.out(JSON.stringify(inspection, null, 2));
  } else {
    io.out(`header: ${JSON.stringify(inspection.header)}`);
    io.out(`claims: ${JSON.stringify(inspection.claims, null, 2)}`);
    const exp = inspection.claims?.['exp'];
    if (typeof exp === 'number') io.out(`expires: ${new Date(exp * 1000).toISOString()}`);
    io.out(
      inspection.verdict === 'unverified'
        ? 'verdict: unverified (pass --config to verify; nothing above is trusted)'
        : `verdict: ${inspection.verdict}${inspection.reason === undefined ? '' : ` (${inspection.reason})`}`,
    );
  }
  return inspection.verdict === 'invalid' ? 1 : 0;
}
