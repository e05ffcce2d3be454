import { type FSWatcher, statSync, watch } from 'node:fs';
import { join } from 'node:path';

export interface Watcher {
  close(): void;
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
 * Calls `onEvent` (once per burst) when `name` in `dir` appears or changes: `fs.watch` on the
 * folder reacts within milliseconds; a poll is the fallback (every `pollMs` when fs.watch is not
 * available or failed, a rare safety poll otherwise). Timers are unref'd: a watcher never keeps a
 * process alive.
 */
export function watchFile(
  dir: string,
  name: string,
  onEvent: () => void,
  options: {
    /** Poll interval when fs.watch is not available (or failed). @default 1000 */
    pollMs?: number;
    /** A safety poll while fs.watch works: rare, because every wake-up of an idle process costs CPU. @default 30000 */
    safetyPollMs?: number;
    /** `false` leaves only the poll (file systems where fs.watch is unreliable; tests). @default true */
    useFsWatch?: boolean;
  } = {},
): Watcher {
  const path = join(dir, name);
  let last = signature(path);
  let scheduled = false;
  let closed = false;
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
  let watcher: FSWatcher | undefined;
  if (options.useFsWatch !== false) {
    try {
      watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) fire();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
        clearTimeout(timer);
        schedule(); // from now on, the faster poll
      });
    } catch {
      watcher = undefined;
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (closed) return;
    const interval = watcher ? (options.safetyPollMs ?? 30_000) : (options.pollMs ?? 1000);
    timer = setTimeout(() => {
      if (signature(path) !== last) fire();
      schedule();
    }, interval);
    timer.unref();
  };
  schedule();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
