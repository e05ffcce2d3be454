import type { Clock } from '@comfyvisor/health';

export interface LivenessOptions {
  /** Time between probes once ComfyUI has answered. @default 10000 */
  intervalMs: number;
  /** Consecutive failed probes that make an idle ComfyUI hung. @default 3 */
  failures: number;
  /** Answers whether ComfyUI answered (the probe bounds its own time). */
  probe: (signal: AbortSignal) => Promise<boolean>;
  clock: Clock;
  signal: AbortSignal;
  /** Already known to answer (a switch's health check saw it): armed from the start. */
  armed?: boolean | undefined;
  /** Called once, at the first good answer (not when started `armed`). */
  onArmed?: (() => void) | undefined;
  /** Whether ComfyUI is known to be running a prompt: its failed probes are then tolerated longer. */
  busy?: (() => boolean) | undefined;
  /** How long failed probes of a busy ComfyUI are tolerated, from the first failure. @default 600000 */
  busyTimeoutMs?: number | undefined;
}

export type LivenessResult = { hung: true; failures: number; busy: boolean } | { hung: false };

/** How often a ComfyUI that has not answered yet is probed: its first answer is seen at once. */
export const FIRST_ANSWER_PROBE_MS = 100;

/**
 * Watches a running ComfyUI. It is probed every `FIRST_ANSWER_PROBE_MS` until its first good answer
 * (a ComfyUI still loading is never hung), then every `intervalMs`: `failures` consecutive failed
 * probes mean it is hung, unless it is busy with a prompt (a custom node holding the GIL blocks its
 * HTTP for a whole step): then only failures lasting `busyTimeoutMs` from the first one, and once
 * it is idle again `failures` more (those tolerated while busy do not count). Resolves
 * when hung, or `{ hung: false }` once `signal` aborts (ComfyUI exited or is being stopped).
 */
export async function watchLiveness(options: LivenessOptions): Promise<LivenessResult> {
  const { clock, signal } = options;
  const busyTimeoutMs = options.busyTimeoutMs ?? 600_000;
  let armed = options.armed ?? false;
  let failed = 0;
  let idleFailed = 0;
  let failingSince = 0;
  while (!signal.aborted) {
    await clock.sleep(
      armed ? options.intervalMs : Math.min(options.intervalMs, FIRST_ANSWER_PROBE_MS),
      signal,
    );
    if (signal.aborted) break;
    const ok = await options.probe(signal).catch(() => false);
    if (signal.aborted) break;
    if (ok) {
      if (!armed) {
        armed = true;
        options.onArmed?.();
      }
      failed = 0;
      idleFailed = 0;
      continue;
    }
    if (!armed) continue;
    if (failed++ === 0) failingSince = clock.now();
    const busy = options.busy?.() ?? false;
    // failures tolerated while busy do not count once idle: the usual rule starts afresh
    if (busy) idleFailed = 0;
    else idleFailed++;
    if (busy ? clock.now() - failingSince >= busyTimeoutMs : idleFailed >= options.failures)
      return { hung: true, failures: busy ? failed : idleFailed, busy };
  }
  return { hung: false };
}
