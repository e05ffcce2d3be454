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

/**
 * Calls `onEvent` (once per burst) when `name` in `dir` appears or changes: `fs.watch` on the
 * folder reacts within milliseconds; a poll is the fallback (every `pollMs` when fs.watch is not
 * available or failed, a rare safety poll otherwise). Timers are unref'd: a watcher never keeps a
 * process alive.
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
  let timer: NodeJS.Timeout | undefined;
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
  const schedule = () => {
    if (closed) return;
    const interval = watcher ? (options.safetyPollMs ?? 30_000) : (options.pollMs ?? 1000);
    timer = setTimeout(() => {
      if (signature(path) !== last) fire();
      schedule();
    }, interval);
    timer.unref();
  };
  let watcher: FSWatcher | undefined =
    options.useFsWatch === false
      ? undefined
      : watchFolder(dir, name, fire, () => {
          watcher = undefined;
          clearTimeout(timer);
          schedule(); // from now on, the faster poll
        });
  schedule();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
