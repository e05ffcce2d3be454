/** Time, injectable: unit tests pass a fake whose sleep resolves at once while `now()` advances. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The sleeps that end at the same millisecond, sharing one timer. */
const alarms = new Map<number, { timer: NodeJS.Timeout; wake: Set<() => void> }>();

function ring(at: number): void {
  const alarm = alarms.get(at);
  alarms.delete(at);
  for (const wake of alarm?.wake ?? []) wake();
}

/**
 * Monotonic ms and sleeps. Sleeps that end at the same millisecond share one timer, so loops that
 * wake on the same beat ({@link sleepToBeat}) wake the process once, not once each: on a VM a
 * wake-up from idle costs ~0.5 ms of CPU, more than the work most ticks do.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const at = Math.ceil(performance.now() + Math.max(0, ms));
      let alarm = alarms.get(at);
      if (!alarm) {
        alarm = { timer: setTimeout(ring, at - performance.now(), at), wake: new Set() };
        alarms.set(at, alarm);
      }
      const shared = alarm;
      const done = () => {
        shared.wake.delete(done);
        signal?.removeEventListener('abort', done);
        if (shared.wake.size === 0 && alarms.get(at) === shared) {
          clearTimeout(shared.timer);
          alarms.delete(at);
        }
        resolve();
      };
      shared.wake.add(done);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * Sleeps until the next multiple of `periodMs` on the clock, at least `minMs` from now. Loops with
 * the same period (liveness, the watchdogs) then wake together, whenever each of them started.
 */
export function sleepToBeat(clock: Clock, periodMs: number, signal?: AbortSignal, minMs = 0): Promise<void> {
  const now = clock.now();
  let wait = periodMs - (now % periodMs);
  while (wait < minMs) wait += periodMs;
  return clock.sleep(wait, signal);
}
