/** When to restart a crashed ComfyUI, and when to give up. Pure: times are passed in. */
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
  | { action: 'restart'; delayMs: number; crashesInWindow: number }
  | { action: 'give_up'; crashesInWindow: number };

export class CrashPolicy {
  private crashes: number[] = [];
  constructor(private readonly options: CrashPolicyOptions) {}

  /** Records a crash at `now` (ms) and says what to do. */
  recordCrash(now: number): CrashDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    if (count > this.options.maxRestarts) return { action: 'give_up', crashesInWindow: count };
    const delayMs = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** (count - 1));
    return { action: 'restart', delayMs, crashesInWindow: count };
  }

  /** A healthy run or a deliberate restart starts the count afresh. */
  reset(): void {
    this.crashes = [];
  }
}
