/** When to restart a crashed (or hung) ComfyUI, and when to give up. Pure: times are passed in. */
export interface CrashPolicyOptions {
  /** Crashes tolerated within the window; one more gives up. @default 5 */
  maxRestarts: number;
  /** @default 300_000 */
  windowMs: number;
  /** @default 500 */
  backoffInitialMs: number;
  /** @default 30_000 */
  backoffMaxMs: number;
}

export type CrashDecision =
  | { action: 'retry_without_extra_args' }
  | { action: 'restart'; delayMs: number; crashesInWindow: number }
  | { action: 'give_up'; crashesInWindow: number };

/**
 * As the Python supervisor: a crash of a ComfyUI started with the config's `extra_args` is retried
 * once without them (status `recovering`); after that, exponential backoff within a window, and
 * giving up past `maxRestarts`. A hang counts as a crash.
 */
export class CrashPolicy {
  private crashes: number[] = [];
  private extraArgsDropped = false;
  constructor(private readonly options: CrashPolicyOptions) {}

  /** Whether the next start should leave the config's extra_args out. */
  get skipExtraArgs(): boolean {
    return this.extraArgsDropped;
  }

  /** Records a crash at `now` (monotonic ms) and says what to do. */
  recordCrash(now: number, usedExtraArgs = false): CrashDecision {
    if (usedExtraArgs && !this.extraArgsDropped) {
      this.extraArgsDropped = true;
      return { action: 'retry_without_extra_args' };
    }
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    if (count > this.options.maxRestarts) return { action: 'give_up', crashesInWindow: count };
    const delayMs = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** (count - 1));
    return { action: 'restart', delayMs, crashesInWindow: count };
  }

  /** A healthy switch or a deliberate restart starts afresh (extra_args are tried again). */
  reset(): void {
    this.crashes = [];
    this.extraArgsDropped = false;
  }
}
