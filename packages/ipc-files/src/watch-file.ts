import { type FSWatcher, statSync, watch } from 'node:fs';
import { join } from 'node:path';

export interface Watcher {
  close(): void;
}

export interface WatchFileOptions {
  /** Poll interval when fs.watch is not available (or failed). @default 1000 */
  pollMs?: number;
  /** A safety poll while fs.watch works: rare, because every wake-up of an idle process costs CPU. @default 30000 */
  safetyPollMs?: number;
  /** `false` leaves only the poll (file systems where fs.watch is unreliable; tests). @default true */
  useFsWatch?: boolean;
}

function signature(path: string): string {
  try {
    // No exception for a missing file: this runs on every poll and must cost next to nothing.
    const info = statSync(path, { throwIfNoEntry: false });
    return info ? `${info.ino}:${info.mtimeMs}:${info.size}` : 'missing';
  } catch {
    return 'missing';
  }
}

/**
 * `fs.watch` on `dir`, calling `onChange` for events on `name` (or on an unnamed entry); closed and
 * reported to `onFailure` on its first error. undefined where fs.watch is not available.
 */
function watchFolder(
  dir: string,
  name: string,
  onChange: () => void,
  onFailure: () => void,
): FSWatcher | undefined {
  try {
    const watcher = watch(dir, { persistent: false }, (_event, filename) => {
      if (filename === null || filename === name) onChange();
    });
    watcher.on('error', () => {
      watcher.close();
      onFailure();
    });
    return watcher;
  } catch {
    return undefined;
  }
}

/** The polls of one period, sharing one timer. */
const beats = new Map<number, { timer: NodeJS.Timeout | null; looks: Set<() => void> }>();

/**
 * Runs `look` on each multiple of `periodMs` of the monotonic clock, until the returned function is
 * called. Polls of the same period (the supervisor's `.cmd` and pid file) share one unref'd timer,
 * so they wake the process once, on the same beats as the supervisor's other loops.
 */
function onBeat(periodMs: number, look: () => void): () => void {
  let beat = beats.get(periodMs);
  if (!beat) {
    const fresh: { timer: NodeJS.Timeout | null; looks: Set<() => void> } = { timer: null, looks: new Set() };
    const arm = () => {
      fresh.timer = setTimeout(ring, periodMs - (performance.now() % periodMs));
      fresh.timer.unref();
    };
    const ring = () => {
      for (const each of [...fresh.looks]) each();
      if (fresh.looks.size > 0) arm();
    };
    beats.set(periodMs, fresh);
    arm();
    beat = fresh;
  }
  const shared = beat;
  shared.looks.add(look);
  return () => {
    if (!shared.looks.delete(look) || shared.looks.size > 0) return;
    if (shared.timer) clearTimeout(shared.timer);
    if (beats.get(periodMs) === shared) beats.delete(periodMs);
  };
}

/**
 * Calls `onEvent` (once per burst) when `name` in `dir` appears or changes: `fs.watch` on the
 * folder reacts within milliseconds; a poll is the fallback (every `pollMs` when fs.watch is not
 * available or failed, a rare safety poll otherwise; polls run on the beats of their period, one
 * timer per period). Timers are unref'd: a watcher never keeps a process alive.
 */
export function watchFile(
  dir: string,
  name: string,
  onEvent: () => void,
  options: WatchFileOptions = {},
): Watcher {
  const path = join(dir, name);
  let last = signature(path);
  let scheduled = false;
  let closed = false;
  let stopPolling = () => {};
  const fire = () => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (closed) return;
      last = signature(path);
      onEvent();
    });
  };
  const look = () => {
    if (signature(path) !== last) fire();
  };
  const schedule = () => {
    if (closed) return;
    stopPolling = onBeat(watcher ? (options.safetyPollMs ?? 30_000) : (options.pollMs ?? 1000), look);
  };
  let watcher: FSWatcher | undefined =
    options.useFsWatch === false
      ? undefined
      : watchFolder(dir, name, fire, () => {
          watcher = undefined;
          stopPolling();
          schedule(); // from now on, the faster poll
        });
  schedule();
  return {
    close() {
      closed = true;
      stopPolling();
      watcher?.close();
    },
  };
}
