import { type Clock, sleepToBeat } from '@comfyvisor/health';

export interface LivenessOptions {
  /** Time between probes once ComfyUI has answered. @default 10000 */
  intervalMs: number;
  /** Consecutive failed probes that make an idle ComfyUI hung. @default 3 */
  failures: number;
  /**
   * Answers whether ComfyUI answered; ends (false) when its signal aborts. With `timeoutMs` the
   * loop bounds it, checked on the beats (no timer of its own); without, it bounds its own time.
   */
  probe: (signal: AbortSignal) => Promise<boolean>;
  /** A probe not answered within this fails (an answer after it too). @default Infinity */
  timeoutMs?: number | undefined;
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

/** One probe under way: when it started, and its answer (with when it came). */
interface Probe {
  started: number;
  answer: Promise<{ ok: boolean; at: number }>;
  stop: AbortController;
}

const nextTurn = () => new Promise<null>((resolve) => setImmediate(() => resolve(null)));

/**
 * Watches a running ComfyUI. It is probed every `FIRST_ANSWER_PROBE_MS` until its first good answer
 * (a ComfyUI still loading is never hung), then every `intervalMs` (on its beat: multiples of it on
 * the clock, at least half of it after the first answer): `failures` consecutive failed
 * probes mean it is hung, unless it is busy with a prompt (a custom node holding the GIL blocks its
 * HTTP for a whole step): then only failures lasting `busyTimeoutMs` from the first one, and once
 * it is idle again `failures` more (those tolerated while busy do not count). Resolves
 * when hung, or `{ hung: false }` once `signal` aborts (ComfyUI exited or is being stopped).
 */
export async function watchLiveness(options: LivenessOptions): Promise<LivenessResult> {
  const { clock, signal } = options;
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  const judge = createJudge(options);
  // armed: on the beat of `intervalMs`, which the watchdogs share (one wake-up for both)
  const wait = () =>
    judge.armed
      ? sleepToBeat(clock, options.intervalMs, signal, options.intervalMs / 2)
      : clock.sleep(Math.min(options.intervalMs, FIRST_ANSWER_PROBE_MS), signal);
  const start = (): Probe => {
    const stop = new AbortController();
    const answer = options
      .probe(stop.signal)
      .catch(() => false)
      .then((ok) => ({ ok, at: clock.now() }));
    return { started: clock.now(), answer, stop };
  };
  await wait();
  let probe: Probe | null = null;
  while (!signal.aborted) {
    probe ??= start();
    // An answer within a turn is judged at once; else the next look (beat) races it.
    const quick = await Promise.race([probe.answer, nextTurn()]);
    const wake = quick ? null : wait();
    const answer = quick ?? (await Promise.race([probe.answer, (wake as Promise<void>).then(() => null)]));
    if (signal.aborted) break;
    // no answer yet but still within its time: it goes on over the next beat
    if (answer === null && clock.now() - probe.started < timeoutMs) continue;
    if (answer === null) probe.stop.abort();
    const ok = answer?.ok === true && answer.at - probe.started <= timeoutMs;
    probe = null;
    const verdict = judge.probed(ok);
    if (verdict) return verdict;
    // answered: the rest of this beat; timed out: this is the beat, probe again now
    if (answer !== null) await (wake ?? wait());
  }
  probe?.stop.abort();
  return { hung: false };
}

/** The verdict on each probe: armed by the first answer, then hung after failures (a busy one later). */
function createJudge(options: LivenessOptions) {
  const { clock } = options;
  const busyTimeoutMs = options.busyTimeoutMs ?? 600_000;
  let failed = 0;
  let idleFailed = 0;
  let failingSince = 0;
  const judge = {
    armed: options.armed ?? false,
    probed(ok: boolean): LivenessResult | null {
      if (ok) {
        if (!judge.armed) {
          judge.armed = true;
          options.onArmed?.();
        }
        failed = 0;
        idleFailed = 0;
        return null;
      }
      if (!judge.armed) return null;
      if (failed++ === 0) failingSince = clock.now();
      const busy = options.busy?.() ?? false;
      // failures tolerated while busy do not count once idle: the usual rule starts afresh
      if (busy) idleFailed = 0;
      else idleFailed++;
      if (busy ? clock.now() - failingSince >= busyTimeoutMs : idleFailed >= options.failures)
        return { hung: true, failures: busy ? failed : idleFailed, busy };
      return null;
    },
  };
  return judge;
}
