import { type Clock, systemClock } from './clock.ts';
import type { ProbeResult } from './probe.ts';

export type HealthResult =
  | { healthy: true; afterMs: number; probes: number }
  | {
      healthy: false;
      reason: 'exited' | 'timeout' | 'aborted';
      exitCode?: number | null;
      afterMs: number;
      probes: number;
    };

export interface WaitForHealthyOptions {
  /** One check; `true`/`{ ok: true }` is a good probe. */
  probe: () => Promise<ProbeResult | boolean>;
  /** Settles when the process exits (with its code): the wait ends at once. */
  exited?: Promise<number | null> | undefined;
  timeoutMs: number;
  /** Pause between probes. @default 100 */
  intervalMs?: number | undefined;
  /** Consecutive good probes needed; any failure resets the count. @default 3 */
  successes?: number | undefined;
  signal?: AbortSignal | undefined;
  /** @default systemClock */
  clock?: Clock | undefined;
  onProbe?: ((result: ProbeResult, consecutive: number) => void) | undefined;
}

const EXITED = Symbol('exited');
const ABORTED = Symbol('aborted');

/**
 * Probes until `successes` consecutive good answers (healthy), the process exits, the time runs
 * out or the signal aborts. It never throws; a throwing probe counts as a failed one.
 */
export async function waitForHealthy(options: WaitForHealthyOptions): Promise<HealthResult> {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 100;
  const needed = Math.max(1, options.successes ?? 3);
  const start = clock.now();
  const elapsed = () => clock.now() - start;
  const stop = new AbortController();
  let exitCode: number | null | undefined;
  const exited = options.exited?.then((code) => {
    exitCode = code;
    return EXITED;
  });
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    const onAbort = () => resolve(ABORTED);
    if (options.signal?.aborted) resolve(ABORTED);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // The caller's signal may outlive many waits (the supervisor's lives as long as it does): the
    // listener lives only as long as this call.
    stop.signal.addEventListener(
      'abort',
      () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(ABORTED);
      },
      { once: true },
    );
  });
  const interrupt = [exited, aborted].filter(
    (p): p is Promise<typeof EXITED | typeof ABORTED> => p !== undefined,
  );
  let probes = 0;
  let consecutive = 0;
  try {
    for (;;) {
      if (exitCode !== undefined)
        return { healthy: false, reason: 'exited', exitCode, afterMs: elapsed(), probes };
      if (options.signal?.aborted) return { healthy: false, reason: 'aborted', afterMs: elapsed(), probes };
      if (elapsed() >= options.timeoutMs)
        return { healthy: false, reason: 'timeout', afterMs: elapsed(), probes };
      const outcome = await Promise.race([
        options.probe().then(
          (r) =>
            typeof r === 'boolean'
              ? r
                ? { ok: true as const }
                : { ok: false as const, reason: 'error' as const }
              : r,
          (error: unknown) => ({ ok: false as const, reason: 'error' as const, detail: String(error) }),
        ),
        ...interrupt,
      ]);
      if (outcome === EXITED)
        return { healthy: false, reason: 'exited', exitCode, afterMs: elapsed(), probes };
      if (outcome === ABORTED) return { healthy: false, reason: 'aborted', afterMs: elapsed(), probes };
      probes++;
      consecutive = outcome.ok ? consecutive + 1 : 0;
      options.onProbe?.(outcome, consecutive);
      if (consecutive >= needed) return { healthy: true, afterMs: elapsed(), probes };
      const remaining = options.timeoutMs - elapsed();
      if (remaining <= 0) continue;
      const slept = await Promise.race([
        clock.sleep(Math.min(intervalMs, remaining), stop.signal),
        ...interrupt,
      ]);
      if (slept === ABORTED) return { healthy: false, reason: 'aborted', afterMs: elapsed(), probes };
    }
  } finally {
    stop.abort();
  }
}
