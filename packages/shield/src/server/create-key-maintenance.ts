import type { KeyStore } from '../tokens/index.js';

export interface KeyMaintenance {
  start(): void;
  stop(): void;
  /** One pass: reload the key directory, rotate when due, delete retired keys. */
  tick(): Promise<void>;
}

/**
 * Keeps a running shield's signing keys current: it re-reads the key directory (so
 * `portcullis keys rotate`, run beside a running shield or on another instance sharing the
 * directory, takes effect within `intervalMs`), rotates when the active key is older than
 * `rotateEveryDays`, and prunes retired keys. Failures are reported, never thrown: the keys
 * already loaded keep working.
 */
export function createKeyMaintenance(options: {
  keys: KeyStore;
  now(): number;
  rotateEveryDays: number | undefined;
  retireAfterSeconds: number;
  publishAheadSeconds: number;
  intervalMs?: number;
  onError(error: unknown): void;
  onRotated?(kid: string): void;
}): KeyMaintenance {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function pass(): Promise<void> {
    await options.keys.load();
    if (options.rotateEveryDays !== undefined) {
      const keys = options.keys.list();
      const pending = keys.some((key) => key.status === 'next');
      const active = keys.find((key) => key.status === 'active');
      const age =
        active === undefined ? Number.POSITIVE_INFINITY : options.now() - Date.parse(active.activatesAt);
      if (!pending && age >= options.rotateEveryDays * 86_400_000) {
        const rotated = await options.keys.rotate({
          retireAfterSeconds: options.retireAfterSeconds,
          publishAheadSeconds: options.publishAheadSeconds,
        });
        options.onRotated?.(rotated.kid);
      }
    }
    await options.keys.prune();
  }

  function tick(): Promise<void> {
    running ??= pass()
      .catch((error: unknown) => options.onError(error))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    tick,
    start() {
      timer ??= setInterval(() => void tick(), options.intervalMs ?? 30_000);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
