import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerError } from './errors.ts';

/** The lock file of a state dir; also the reference's `worker.pid`, which `worker down` reads. */
export const LOCK_FILE = 'worker.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A live holder is a worker (ours or cg-deploy's: `worker` is one of its arguments); a reused pid is not. */
function isWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('worker');
  } catch {
    return true; // no /proc (macOS) or not ours to read: assume it is
  }
}

function holderOf(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Lock files held by this process (a second worker in the same process has the same pid). */
const held = new Set<string>();

export interface StateLock {
  release(): void;
}

/**
 * Claims `<stateDir>/worker.pid` by exclusive create: a second worker on the same state dir (ours
 * or cg-deploy's, which writes the same file) is refused while the holder lives; a stale file (its
 * pid dead or reused by another program, or not a pid) is taken over.
 */
export function lockStateDir(stateDir: string, pid: number = process.pid): StateLock {
  const path = join(stateDir, LOCK_FILE);
  if (held.has(path)) {
    throw new WorkerError(
      `another worker of this process is using the state dir ${stateDir}`,
      'STATE_DIR_LOCKED',
    );
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx', mode: 0o644 });
      held.add(path);
      return {
        release: () => {
          held.delete(path);
          if (holderOf(path) === pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new WorkerError(`cannot write ${path}: ${(error as Error).message}`, 'STATE_DIR_LOCKED', {
          cause: error,
        });
      }
    }
    const holder = holderOf(path);
    if (holder !== null && holder !== pid && alive(holder) && isWorker(holder)) {
      throw new WorkerError(
        `another worker (pid ${holder}) is using the state dir ${stateDir}`,
        'STATE_DIR_LOCKED',
      );
    }
    rmSync(path, { force: true });
  }
  throw new WorkerError(`could not claim ${path}`, 'STATE_DIR_LOCKED');
}
