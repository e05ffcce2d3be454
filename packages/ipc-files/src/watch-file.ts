import { type FSWatcher, statSync, watch } from 'node:fs';
import { join } from 'node:path';

export interface Watcher {
  close(): void;
}

function signature(path: string): string {
  try {
    const info = statSync(path);
    return `${info.ino}:${info.mtimeMs}:${info.size}`;
  } catch {
    return 'missing';
  }
}

/**
 * Calls `onEvent` (once per burst) when `name` in `dir` appears or changes: `fs.watch` on the
 * folder reacts within milliseconds; a slow poll catches what the watcher misses (network file
 * systems, a watcher that failed). Timers are unref'd: a watcher never keeps a process alive.
 */
export function watchFile(
  dir: string,
  name: string,
  onEvent: () => void,
  options: { pollMs?: number } = {},
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
  try {
    watcher = watch(dir, { persistent: false }, (_event, filename) => {
      if (filename === null || filename === name) fire();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(() => {
    const now = signature(path);
    if (now !== last) fire();
  }, options.pollMs ?? 1000);
  timer.unref();
  return {
    close() {
      closed = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
