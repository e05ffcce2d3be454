/**
 * The memory and VRAM watchdogs' decision (config `restart_rss_mb`, `restart_vram_mb`): sample a
 * figure of ComfyUI's process tree through an injected reader, never more often than `intervalMs`,
 * and say whether it is over the limit. The figure is kept for `/metrics` and `status` whether or
 * not a limit is set. What to do about `over` (drain, then restart with reason `memory` or `vram`)
 * is the caller's.
 */

/** A reader's answer: bytes; null when there is no figure this time; `unavailable` when never. */
export type ResourceReading = number | null | 'unavailable';

export type ResourceVerdict =
  /** Sampled less than `intervalMs` ago (less a tenth, at most 1 s), or a sample is under way. */
  | { kind: 'wait' }
  /** The reader had no figure this time (ComfyUI between processes, nvidia-smi failed). */
  | { kind: 'unknown' }
  /** The reader said `unavailable`: this watch is off for good and reads nothing more. */
  | { kind: 'off' }
  | { kind: 'ok'; bytes: number }
  | { kind: 'over'; bytes: number; limitBytes: number };

export interface ResourceWatch {
  /** Reads the figure if `intervalMs` has passed since the last read, and judges it. Never throws. */
  tick(): Promise<ResourceVerdict>;
  /** The last figure read (bytes), or null. */
  readonly lastBytes: number | null;
  /** A new ComfyUI process: the old figure is dropped and the next tick reads at once. */
  reset(): void;
}

export interface ResourceWatchOptions {
  /** Over this many bytes is `over`; 0 means no limit (figures only). */
  limitBytes: number;
  read: () => Promise<ResourceReading>;
  /** Monotonic ms (the supervisor's clock). */
  now: () => number;
  /** The least time between two reads. @default 5000 */
  intervalMs?: number | undefined;
}

/** The verdict on one figure: over only when a limit is set and the figure is above it. */
export function judgeResource(bytes: number, limitBytes: number): ResourceVerdict {
  return limitBytes > 0 && bytes > limitBytes ? { kind: 'over', bytes, limitBytes } : { kind: 'ok', bytes };
}

export function createResourceWatch(options: ResourceWatchOptions): ResourceWatch {
  const intervalMs = options.intervalMs ?? 5000;
  let lastRead: number | null = null;
  let lastBytes: number | null = null;
  let reading = false;
  let off = false;

  return {
    async tick() {
      if (off) return { kind: 'off' };
      const now = options.now();
      // a tick a little early on its beat (timers are not exact) still reads
      const early = Math.min(1000, intervalMs / 10);
      if (reading || (lastRead !== null && now - lastRead < intervalMs - early)) return { kind: 'wait' };
      reading = true;
      lastRead = now;
      let figure: ResourceReading;
      try {
        figure = await options.read();
      } catch {
        figure = null;
      } finally {
        reading = false;
      }
      if (figure === 'unavailable') {
        off = true;
        lastBytes = null;
        return { kind: 'off' };
      }
      if (figure === null || !Number.isFinite(figure) || figure < 0) {
        lastBytes = null;
        return { kind: 'unknown' };
      }
      lastBytes = figure;
      return judgeResource(figure, options.limitBytes);
    },
    get lastBytes() {
      return lastBytes;
    },
    reset() {
      lastRead = null;
      lastBytes = null;
    },
  };
}
