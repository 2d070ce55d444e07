import { systemClock } from '../../clock.js';
import { type KeyInfo, listKeysCommand, rotateKeysCommand } from '../../tokens/index.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

function table(keys: readonly KeyInfo[]): string {
  const rows = [
    ['kid', 'alg', 'status', 'signs from', 'signs until', 'retires'],
    ...keys.map((k) => [k.kid, k.alg, k.status, k.activatesAt, k.deactivatesAt ?? '-', k.retiresAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `portcullis keys list --config FILE` */
export async function keysListCommand(
  options: { config: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const config = await loadConfigOrFail(options.config, io);
  const keys = await listKeysCommand(config.keys.dir, systemClock);
  io.out(options.json === true ? JSON.stringify(keys, null, 2) : table(keys));
  return 0;
}

/**
 * `portcullis keys rotate --config FILE`: a new signing key; the old one stays published until
 * every token it signed has expired (longest token lifetime plus clock tolerance).
 */
export async function keysRotateCommand(
  options: { config: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const config = await loadConfigOrFail(options.config, io);
  const result = await rotateKeysCommand(config.keys.dir, config.keys.alg, systemClock, {
    retireAfterSeconds: config.tokens.maxTtlSeconds + config.tokens.clockToleranceSeconds,
    publishAheadSeconds: config.keys.publishAheadSeconds,
  });
  if (options.json === true) {
    io.out(JSON.stringify(result, null, 2));
  } else {
    io.out(`new signing key ${result.rotated.kid} (signs from ${result.rotated.activatesAt})`);
    if (result.pruned.length > 0) io.out(`deleted retired keys: ${result.pruned.join(', ')}`);
    io.out(table(result.keys));
    io.out('running shields pick the new key up within 30 seconds');
  }
  return 0;
}
