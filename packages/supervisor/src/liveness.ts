import type { Clock } from '@comfyvisor/health';

export interface LivenessOptions {
  /** Time between probes. @default 10000 */
  intervalMs: number;
  /** Consecutive failed probes that make ComfyUI hung. @default 3 */
  failures: number;
  /** Answers whether ComfyUI answered (the probe bounds its own time). */
  probe: (signal: AbortSignal) => Promise<boolean>;
  clock: Clock;
  signal: AbortSignal;
  /** Called once, at the first good answer. */
  onArmed?: (() => void) | undefined;
}

export type LivenessResult = { hung: true; failures: number } | { hung: false };

/**
 * Watches a running ComfyUI: armed by its first good answer (a ComfyUI still loading is never
 * hung), then `failures` consecutive failed probes mean it is hung. A ComfyUI busy generating still
 * answers its HTTP server, so it is never taken for hung. Resolves when hung, or `{ hung: false }`
 * once `signal` aborts (ComfyUI exited or is being stopped).
 */
export async function watchLiveness(options: LivenessOptions): Promise<LivenessResult> {
  const { clock, signal } = options;
  let armed = false;
  let failed = 0;
  while (!signal.aborted) {
    await clock.sleep(options.intervalMs, signal);
    if (signal.aborted) break;
    const ok = await options.probe(signal).catch(() => false);
    if (signal.aborted) break;
    if (ok) {
      if (!armed) options.onArmed?.();
      armed = true;
      failed = 0;
    } else if (armed && ++failed >= options.failures) return { hung: true, failures: failed };
  }
  return { hung: false };
}
