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
type Interruption = typeof EXITED | typeof ABORTED;

/** One probe as a result: `true`/`false` become results, a rejection a failed probe. */
function probeOnce(probe: WaitForHealthyOptions['probe']): Promise<ProbeResult> {
  return probe().then(
    (r) =>
      typeof r === 'boolean'
        ? r
          ? { ok: true as const }
          : { ok: false as const, reason: 'error' as const }
        : r,
    (error: unknown) => ({ ok: false as const, reason: 'error' as const, detail: String(error) }),
  );
}

/**
 * What ends a wait early: the process's exit (its code kept) and the caller's signal. The listener
 * on the caller's signal lives only until `stop` aborts, since that signal may outlive many waits
 * (the supervisor's lives as long as it does).
 */
function interruptionsOf(
  options: Pick<WaitForHealthyOptions, 'exited' | 'signal'>,
  stop: AbortSignal,
): { interrupt: Promise<Interruption>[]; exitCode: () => number | null | undefined } {
  let exitCode: number | null | undefined;
  const exited = options.exited?.then((code) => {
    exitCode = code;
    return EXITED;
  });
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    const onAbort = () => resolve(ABORTED);
    if (options.signal?.aborted) resolve(ABORTED);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    stop.addEventListener(
      'abort',
      () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(ABORTED);
      },
      { once: true },
    );
  });
  const interrupt = [exited, aborted].filter((p): p is Promise<Interruption> => p !== undefined);
  return { interrupt, exitCode: () => exitCode };
}

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
  const { interrupt, exitCode } = interruptionsOf(options, stop.signal);
  let probes = 0;
  let consecutive = 0;
  const ended = (reason: 'exited' | 'timeout' | 'aborted'): HealthResult => ({
    healthy: false,
    reason,
    ...(reason === 'exited' ? { exitCode: exitCode() } : {}),
    afterMs: elapsed(),
    probes,
  });
  try {
    for (;;) {
      if (exitCode() !== undefined) return ended('exited');
      if (options.signal?.aborted) return ended('aborted');
      if (elapsed() >= options.timeoutMs) return ended('timeout');
      const outcome = await Promise.race([probeOnce(options.probe), ...interrupt]);
      if (outcome === EXITED) return ended('exited');
      if (outcome === ABORTED) return ended('aborted');
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
      if (slept === ABORTED) return ended('aborted');
    }
  } finally {
    stop.abort();
  }
}
