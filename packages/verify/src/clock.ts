/** Where a verifier reads the time: milliseconds since the Unix epoch. Tests pass a manual clock. */
export interface Clock {
  now(): number;
}

/** The system clock (`Date.now()`). */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
