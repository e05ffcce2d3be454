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

/** The open file being followed: where it is read up to, and which file (inode) it is. */
class Reader {
  fd: number | null = null;
  ino = -1;
  offset = 0;
  /** "not there" was said since the file was last seen (said once). */
  missingSaid = false;
  private readonly buffer = Buffer.alloc(BLOCK);
  private readonly path: string;
  private readonly options: FollowOptions;

  constructor(path: string, options: FollowOptions) {
    this.path = path;
    this.options = options;
  }

  /** Everything from `offset` to the end of the open file. */
  drain(): void {
    if (this.fd === null) return;
    for (;;) {
      const n = readSync(this.fd, this.buffer, 0, BLOCK, this.offset);
      if (n <= 0) return;
      this.offset += n;
      this.options.onData(Buffer.from(this.buffer.subarray(0, n)));
    }
  }

  /** A whole other file (a rotation not seen), after a boundary. */
  readWhole(name: string): void {
    const other = openOrNull(name);
    if (other === null) return;
    this.options.onBoundary?.();
    try {
      let at = 0;
      for (
        let n = readSync(other, this.buffer, 0, BLOCK, at);
        n > 0;
        n = readSync(other, this.buffer, 0, BLOCK, at)
      ) {
        at += n;
        this.options.onData(Buffer.from(this.buffer.subarray(0, n)));
      }
    } finally {
      closeSync(other);
    }
  }

  /** Opens the file at `path` (or takes `given`) and starts at `start`; false when it is not there. */
  adopt(start: 'end' | number, given?: number): boolean {
    const opened = given ?? openOrNull(this.path);
    if (opened === null) return false;
    const info = fstatSync(opened);
    // The same file again after an error (see look's catch): go on where we were, repeat nothing.
    const from = info.ino === this.ino ? this.offset : start;
    this.fd = opened;
    this.ino = info.ino;
    this.offset = from === 'end' ? info.size : Math.min(from, info.size);
    this.missingSaid = false;
    return true;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** The open file is still the one at `path`: read on (from the start again when it was truncated). */
function readOnSameFile(reader: Reader, there: Stats, notice: (message: string) => void, path: string): void {
  if (there.size < reader.offset) {
    notice(`${basename(path)} was truncated; reading it from the start`);
    reader.offset = 0;
    reader.drain();
  }
}

/**
 * The open file was renamed or removed: read what the writer put in it before that (still
 * readable through the descriptor), then the rotations not seen, `path.1` … up to the one that was
 * ours, oldest first. Removed by hand instead: ours is not among them, and those were all read.
 */
function leaveMovedFile(reader: Reader, rotated: (n: number) => string, keep: number): void {
  reader.drain();
  reader.close();
  const unseen: string[] = [];
  for (let n = 1; n <= keep; n++) {
    const info = statOrNull(rotated(n));
    if (!info) break;
    if (info.ino === reader.ino) {
      for (const name of unseen) reader.readWhole(name);
      // Renamed by a rotation: the writer is about to make the new file; nothing to say.
      reader.missingSaid = true;
      break;
    }
    unseen.unshift(rotated(n));
  }
  reader.ino = -1;
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
  const reader = new Reader(path, options);
  let stopped = false;

  const look = () => {
    if (stopped) return;
    try {
      reader.drain();
      const there = statOrNull(path);
      if (reader.fd !== null && there && there.ino === reader.ino)
        return readOnSameFile(reader, there, notice, path);
      if (reader.fd !== null) leaveMovedFile(reader, rotated, keep);
      if (reader.adopt(0)) {
        options.onBoundary?.();
        reader.drain();
      } else if (!reader.missingSaid) {
        reader.missingSaid = true;
        notice(`${basename(path)} is not there (removed?); waiting for it to come back`);
      }
    } catch (error) {
      // Closed but remembered (ino, offset): the next look reopens it and goes on from there.
      notice(`reading ${basename(path)}: ${(error as Error).message}`);
      reader.close();
    }
  };

  if (!reader.adopt(options.from ?? 'end', options.fd)) {
    reader.missingSaid = true;
    reader.offset = 0;
  }
  look();
  const unwatch = watchFolder(path, look, options.intervalMs ?? 250);
  return {
    stop() {
      stopped = true;
      unwatch();
      reader.close();
    },
  };
}

/** Calls `look` on every change in the file's folder, and every `intervalMs` in case a change is missed. */
function watchFolder(path: string, look: () => void, intervalMs: number): () => void {
  let watcher: ReturnType<typeof watch> | null = null;
  try {
    watcher = watch(dirname(path), () => look());
    watcher.on('error', () => {});
  } catch {
    // no watch here: the interval does it
  }
  const timer = setInterval(look, intervalMs);
  return () => {
    watcher?.close();
    clearInterval(timer);
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
