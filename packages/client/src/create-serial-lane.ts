/** Runs tasks one at a time, in the order they were queued. */
export type SerialLane = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A queue of one: each task starts when the previous one has settled, whatever its outcome.
 * App Attest needs it: an assertion's counter must reach the shield in the order it was made.
 *
 * @example
 * ```ts
 * const lane = createSerialLane();
 * await lane(async () => sendSigned());
 * ```
 */
export function createSerialLane(): SerialLane {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
}
