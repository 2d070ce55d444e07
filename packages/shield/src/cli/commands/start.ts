import { resolve } from 'node:path';
import { loadConfigFile } from '../../config/index.js';
import { CLUSTER_REASONS, ClusterError, type ClusterReason, startCluster } from '../../server/cluster.js';
import { CliError, EXIT } from '../cli-error.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';

/** Reads `--workers`: a whole number from 1 to 64, or `auto` for one worker per core. */
function workerCount(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return 'auto';
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new CliError(`--workers ${value}: not a worker count`, {
      exitCode: EXIT.usage,
      fix: 'pass a number from 1 to 64, or auto',
    });
  }
  return count;
}

/**
 * `portcullis start --config FILE [--workers N|auto]`: runs the shield (on several worker
 * processes sharing one port when asked) until SIGINT/SIGTERM, then drains and exits 0. SIGHUP
 * reads the file again and reloads it (every worker does); a file that does not load is logged
 * and the running config stays.
 */
export async function startCommand(
  options: { config: string; workers?: string },
  io: CliIo,
): Promise<number> {
  const config = await loadConfigOrFail(options.config, io);
  const workers = workerCount(options.workers) ?? config.workers;
  // Handlers go in before anything starts: a signal during start-up (workers still forking) must
  // drain too, not kill the process with the default handler.
  let running: Awaited<ReturnType<typeof startCluster>> | undefined;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    if (running !== undefined) void running.close();
  };
  // A SIGHUP during start-up is kept for when the shield runs. Workers never reload on their own
  // signal: the primary tells each of them, so a signal to the whole process group reloads once.
  let reloadRequested = false;
  const reload = () => {
    if (running === undefined) reloadRequested = true;
    else if (running.role !== 'worker') void running.reload();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.on('SIGHUP', reload);
  try {
    try {
      const path = resolve(io.cwd, options.config);
      running = await startCluster(config, {
        workers,
        loadConfig: () => loadConfigFile(path, { env: io.env }),
      });
    } catch (error) {
      if (error instanceof ClusterError) throw new CliError(error.message, { fix: fixFor(error.reason) });
      throw error;
    }
    if (stopRequested) void running.close();
    else if (reloadRequested && running.role !== 'worker') void running.reload();
    await running.closed;
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', reload);
  }
}

function fixFor(reason: ClusterReason): string {
  return CLUSTER_REASONS.find((entry) => entry.reason === reason)?.fix ?? 'see docs/errors.md';
}
