import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FollowOptions {
  /** Where to start in the file there now: its end (`tail -f`) or a byte offset. @default 'end' */
  from?: 'end' | number | undefined;
  /** The file already open (read from `from`); the follower owns it from now on. */
  fd?: number | undefined;
  /** The name a rotation moves the file to, newest first (`n` = 1, 2, …). @default `${path}.${n}` */
  rotated?: ((n: number) => string) | undefined;
  /** How many rotated files to look through when several rotations happened between two looks. @default 5 */
  keep?: number | undefined;
  onData(chunk: Buffer): void;
  /** Called before data of another file follows (a line cut short at the end of the last one ends there). */
  onBoundary?: (() => void) | undefined;
  /** One line about something odd (the file removed, truncated); said once per occurrence. */
  onNotice?: ((message: string) => void) | undefined;
  /** A fallback look every this many ms, beside the folder watch. @default 250 */
  intervalMs?: number | undefined;
}

export interface Follower {
  stop(): void;
}

const BLOCK = 64 * 1024;

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** A regular file opened for reading, or null: never blocks on a FIFO put where the log should be. */
export function openOrNull(path: string): number | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (fstatSync(fd).isFile()) return fd;
  } catch {
    // not there, or not readable
  }
  if (fd !== null) closeSync(fd);
  return null;
}

/**
 * `tail -F` for a size-rotated file: keeps the file open and reads it to its end; when the name
 * points at another file (renamed to `path.1` by a rotation, or removed by hand), it reads what is
 * left of the open one, then the rotated files it never saw (oldest first), then the new file from
 * its start, so nothing is lost or repeated. A truncated file is read again from its start.
 */
export function followFile(path: string, options: FollowOptions): Follower {
  const rotated = options.rotated ?? ((n: number) => `${path}.${n}`);
  const keep = options.keep ?? 5;
  const notice = options.onNotice ?? (() => {});
  const buffer = Buffer.alloc(BLOCK);
  let fd: number | null = null;
  let ino = -1;
  let offset = 0;
  let missingSaid = false;
  let stopped = false;

  const drain = () => {
    if (fd === null) return;
    for (;;) {
      const n = readSync(fd, buffer, 0, BLOCK, offset);
      if (n <= 0) return;
      offset += n;
      options.onData(Buffer.from(buffer.subarray(0, n)));
    }
  };
  const readWhole = (name: string) => {
    const other = openOrNull(name);
    if (other === null) return;
    options.onBoundary?.();
    try {
      let at = 0;
      for (let n = readSync(other, buffer, 0, BLOCK, at); n > 0; n = readSync(other, buffer, 0, BLOCK, at)) {
        at += n;
        options.onData(Buffer.from(buffer.subarray(0, n)));
      }
    } finally {
      closeSync(other);
    }
  };
  const adopt = (start: 'end' | number, given?: number) => {
    const opened = given ?? openOrNull(path);
    if (opened === null) return false;
    const info = fstatSync(opened);
    // The same file again after an error (see look's catch): go on where we were, repeat nothing.
    const from = info.ino === ino ? offset : start;
    fd = opened;
    ino = info.ino;
    offset = from === 'end' ? info.size : Math.min(from, info.size);
    missingSaid = false;
    return true;
  };
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };

  const look = () => {
    if (stopped) return;
    try {
      drain();
      const there = statOrNull(path);
      if (fd !== null && there && there.ino === ino) {
        if (there.size < offset) {
          notice(`${basename(path)} was truncated; reading it from the start`);
          offset = 0;
          drain();
        }
        return;
      }
      if (fd !== null) {
        // Renamed or removed: what the writer put in it before that is still readable through fd.
        drain();
        close();
        // Rotations we did not see: `path.1` … up to the one that was ours, read oldest first.
        // (Removed by hand instead: ours is not among them, and those were all read before.)
        const unseen: string[] = [];
        for (let n = 1; n <= keep; n++) {
          const info = statOrNull(rotated(n));
          if (!info) break;
          if (info.ino === ino) {
            for (const name of unseen) readWhole(name);
            // Renamed by a rotation: the writer is about to make the new file; nothing to say.
            missingSaid = true;
            break;
          }
          unseen.unshift(rotated(n));
        }
        ino = -1;
      }
      if (adopt(0)) {
        options.onBoundary?.();
        drain();
      } else if (!missingSaid) {
        missingSaid = true;
        notice(`${basename(path)} is not there (removed?); waiting for it to come back`);
      }
    } catch (error) {
      // Closed but remembered (ino, offset): the next look reopens it and goes on from there.
      notice(`reading ${basename(path)}: ${(error as Error).message}`);
      close();
    }
  };

  const start = options.from ?? 'end';
  if (!adopt(start, options.fd)) {
    missingSaid = true;
    offset = 0;
  }
  look();
  let watcher: ReturnType<typeof watch> | null = null;
  try {
    watcher = watch(dirname(path), () => look());
    watcher.on('error', () => {});
  } catch {
    // no watch here: the interval does it
  }
  const timer = setInterval(look, options.intervalMs ?? 250);
  return {
    stop() {
      stopped = true;
      watcher?.close();
      clearInterval(timer);
      close();
    },
  };
}

/** Follows `path` until SIGINT or SIGTERM (`comfyvisor logs -f`, `events -f`). */
export function followUntilStopped(path: string, options: FollowOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const follower = followFile(path, options);
    const stop = () => {
      follower.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
