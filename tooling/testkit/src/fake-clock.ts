/** A clock for unit tests: `sleep` returns at once and moves `now()` on by what was slept. */
export interface FakeClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Every sleep asked for, in order (an aborted sleep is not one). */
  sleeps: number[];
  /** Moves time on without a sleep. */
  advance(ms: number): void;
}

/**
 * Structurally a `Clock` of `@comfyvisor/health`. A sleep yields to the event loop once
 * (`setImmediate`), so loops that sleep let other work run, yet take no real time.
 */
export function fakeClock(start = 0): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) return;
      sleeps.push(ms);
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
