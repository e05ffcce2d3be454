import type { Clock } from '@comfyvisor/health';
import type { ComfyuiQueue, PendingPrompt, QueueLook } from './comfyui-queue.ts';

const GOT_PROMPT = /^got prompt\b/;
const EXECUTED = /^Prompt executed in ([\d.]+) seconds/;

/**
 * What ComfyUI is working on, from the cheapest and soonest signals: its output lines (`got
 * prompt` as a prompt is queued, `Prompt executed in N seconds` as one ends; they arrive even when
 * a custom node holds the GIL and HTTP cannot answer) and `GET /queue`, looked at every `pollMs`
 * while a prompt is running or pending and never while idle (the next `got prompt` wakes it).
 */
export class PromptWatch {
  /** Prompts queued and not yet ended, by the output lines (resynced by every look at the queue). */
  private outstanding = 0;
  private partial = '';
  private polling = false;
  private readonly stopped = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  private readonly queuedWaiters = new Set<() => void>();
  /** The last good look at the queue, with its time (monotonic ms). */
  last: (QueueLook & { at: number }) | null = null;

  constructor(
    private readonly queue: ComfyuiQueue,
    private readonly clock: Clock,
    private readonly pollMs = 2_000,
    /** Told each finished prompt's duration. */
    private readonly onPromptDone?: (seconds: number) => void,
  ) {}

  /** ComfyUI's output, chunk by chunk. */
  feed(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = (lines.pop() ?? '').slice(-512);
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      if (GOT_PROMPT.test(line)) {
        this.outstanding++;
        for (const wake of this.queuedWaiters) wake();
        this.poll();
      } else if (EXECUTED.test(line)) {
        this.outstanding = Math.max(0, this.outstanding - 1);
        this.onPromptDone?.(Number(EXECUTED.exec(line)?.[1]));
        if (this.last) this.last = { ...this.last, running: [] };
        if (!this.busy) for (const wake of this.idleWaiters) wake();
      }
    }
  }

  /** A prompt is known to be running: queued by its output and not ended, or seen running in the queue. */
  get busy(): boolean {
    return this.outstanding > 0 || (this.last?.running.length ?? 0) > 0;
  }

  /** Looks at the queue now; null when ComfyUI does not answer (the last look stays). */
  async look(timeoutMs?: number): Promise<QueueLook | null> {
    const look = await this.queue.look(timeoutMs);
    if (!look) return null;
    this.last = { ...look, at: this.clock.now() };
    this.outstanding = look.running.length + look.pending.length;
    if (!this.busy) for (const wake of this.idleWaiters) wake();
    return look;
  }

  /**
   * Takes the pending prompts out of ComfyUI's queue; returns them (in order) when that worked, none
   * when it could not be done, and null when the queue did not answer within `lookTimeoutMs` (a
   * node holding the GIL): the prompts then stay in ComfyUI's queue.
   */
  async takePending(lookTimeoutMs?: number): Promise<PendingPrompt[] | null> {
    const look = await this.look(lookTimeoutMs);
    if (!look) return null;
    const pending = look.pending;
    if (pending.length === 0 || !(await this.queue.remove(pending.map((p) => p.id)))) return [];
    this.outstanding = Math.max(0, this.outstanding - pending.length);
    if (this.last) this.last = { ...this.last, pending: [] };
    return pending;
  }

  /** Resolves when no prompt is running, or `signal` aborts. */
  whenIdle(signal: AbortSignal): Promise<void> {
    return this.until(this.idleWaiters, () => !this.busy, signal);
  }

  /** Resolves at the next `got prompt` line, or when `signal` aborts. */
  whenQueued(signal: AbortSignal): Promise<void> {
    return this.until(this.queuedWaiters, () => false, signal);
  }

  stop(): void {
    this.stopped.abort();
  }

  /** Stopped: its ComfyUI has ended or is being stopped. */
  get isStopped(): boolean {
    return this.stopped.signal.aborted;
  }

  private until(waiters: Set<() => void>, done: () => boolean, signal: AbortSignal): Promise<void> {
    if (done() || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /** Looks every `pollMs` while there is work; stops when idle. */
  private poll(): void {
    if (this.polling || this.stopped.signal.aborted) return;
    this.polling = true;
    void (async () => {
      try {
        // `got prompt` is printed before the prompt is in the queue: look a moment later
        await this.clock.sleep(100, this.stopped.signal);
        while (!this.stopped.signal.aborted) {
          await this.look();
          if (!this.busy && (this.last?.pending.length ?? 0) === 0) break;
          await this.clock.sleep(this.pollMs, this.stopped.signal);
        }
      } finally {
        this.polling = false;
      }
    })();
  }
}
