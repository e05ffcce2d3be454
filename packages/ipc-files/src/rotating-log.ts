import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  renameSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { APPEND_FLAGS, rotateFiles } from './rotate-files.ts';

export interface RotatingLog {
  /** Appends `chunk` (synchronously: calls land in order, also from exit handlers). Never throws. */
  write(chunk: string | Buffer): void;
  close(): Promise<void>;
}

export interface RotatingLogOptions {
  /** Rotate before a write that would take the file past this size. */
  maxBytes: number;
  /** Rotated files kept: `path.1` (newest) … `path.<keep>`; 0 keeps none. */
  keep: number;
}

const FLAGS = constants.O_WRONLY | APPEND_FLAGS;

/** The open log file: its descriptor, and its inode and size as last seen. */
interface OpenLog {
  fd: number;
  ino: number;
  size: number;
}

function statOrNone(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Opens `path` for appending, after moving aside whatever non-file stands there. */
function openLog(path: string): OpenLog {
  const there = statOrNone(path);
  if (there && !there.isFile()) renameSync(path, `${path}.rejected-${Date.now()}`);
  const fd = openSync(path, FLAGS, 0o644);
  try {
    const info = fstatSync(fd);
    return { fd, ino: info.ino, size: info.size };
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already gone
  }
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

/**
 * A size-rotating log file for `comfyui.log` and `orchestrator.log`: `path` is rotated to `path.1`
 * … `path.<keep>` when the next write would take it past `maxBytes`, so the log never holds more
 * than about `(keep + 1) * maxBytes` on disk. A file removed (or rotated) by someone else is
 * noticed and recreated on the next write; something other than a regular file at `path` is moved
 * to `path.rejected-<ms>`. Write errors (a full disk, a read-only folder) drop the chunk, never throw.
 */
export function createRotatingLog(path: string, options: RotatingLogOptions): RotatingLog {
  const maxBytes = Math.max(1, options.maxBytes);
  const keep = Math.max(0, Math.floor(options.keep));
  let file: OpenLog | null = null;
  let closed = false;
  const release = () => {
    if (file !== null) closeQuietly(file.fd);
    file = null;
  };
  /** The file to write to: reopened when someone else removed or replaced it, rotated when full. */
  const fileFor = (length: number): OpenLog => {
    const there = statOrNone(path);
    if (file === null || !there || there.ino !== file.ino) {
      release();
      file = openLog(path);
    } else file.size = there.size;
    if (file.size > 0 && file.size + length > maxBytes) {
      release();
      rotateFiles(path, (n) => `${path}.${n}`, keep);
      file = openLog(path);
    }
    return file;
  };

  return {
    write(chunk) {
      if (closed) return;
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (data.length === 0) return;
      try {
        const target = fileFor(data.length);
        writeAll(target.fd, data);
        target.size += data.length;
      } catch {
        release(); // dropped; the next write tries again from scratch
      }
    },
    async close() {
      closed = true;
      release();
    },
  };
}
