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
 * processes sharing one port when asked) until SIGINT/SIGTERM, then drains and exits 0.
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
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    try {
      running = await startCluster(config, { workers });
    } catch (error) {
      if (error instanceof ClusterError) throw new CliError(error.message, { fix: fixFor(error.reason) });
      throw error;
    }
    if (stopRequested) void running.close();
    await running.closed;
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function fixFor(reason: ClusterReason): string {
  return CLUSTER_REASONS.find((entry) => entry.reason === reason)?.fix ?? 'see docs/errors.md';
}
