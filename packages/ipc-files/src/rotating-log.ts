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
  let fd: number | null = null;
  let ino = -1;
  let size = 0;
  let closed = false;

  const current = (): Stats | undefined => {
    try {
      return lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  };
  const release = () => {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already gone
      }
      fd = null;
    }
  };
  const openFile = () => {
    const there = current();
    if (there && !there.isFile()) renameSync(path, `${path}.rejected-${Date.now()}`);
    fd = openSync(path, FLAGS, 0o644);
    const info = fstatSync(fd);
    ino = info.ino;
    size = info.size;
  };
  const rotate = () => {
    release();
    rotateFiles(path, (n) => `${path}.${n}`, keep);
    openFile();
  };

  return {
    write(chunk) {
      if (closed) return;
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (data.length === 0) return;
      try {
        const there = current();
        if (fd === null || !there || there.ino !== ino) {
          release();
          openFile();
        } else size = there.size;
        if (size > 0 && size + data.length > maxBytes) rotate();
        const target = fd;
        if (target === null) return;
        let offset = 0;
        while (offset < data.length) offset += writeSync(target, data, offset);
        size += data.length;
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
