import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

const BLOCK = 64 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** What a visitor says after a line: read on (older lines), or stop here. */
export type Visit = 'more' | 'stop';

export interface BackwardRead {
  /** missing: no file; invalid: not a regular file or unreadable; else how it ended. */
  kind: 'missing' | 'invalid' | 'stopped' | 'start' | 'budget';
  /** Bytes read from the file. */
  bytes: number;
  /** Lines longer than `maxLine` (passed over unread, never kept). */
  longLines: number;
}

/**
 * Reads a regular file's lines newest first, from its end backwards in 64 KiB blocks, handing each
 * to `visit` with `first` true for the file's first line. Memory stays bounded: a block and at most
 * `maxLine` characters of a line (a longer one is counted and passed over); at most `budget` bytes
 * are read (`kind: 'budget'` when the file goes on past that). A symlink is not followed, a FIFO
 * never blocks. Never throws.
 */
export async function readLinesBackward(
  path: string,
  visit: (line: string, first: boolean) => Visit,
  { budget, maxLine }: { budget: number; maxLine: number },
): Promise<BackwardRead> {
  const handle = await open(path, OPEN_FLAGS).catch((error: NodeJS.ErrnoException) => error);
  if (handle instanceof Error)
    return { kind: handle.code === 'ENOENT' ? 'missing' : 'invalid', bytes: 0, longLines: 0 };
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: 'invalid', bytes: 0, longLines: 0 };
    return await walkBack(handle, info.size, visit, budget, maxLine);
  } catch {
    return { kind: 'invalid', bytes: 0, longLines: 0 };
  } finally {
    await handle.close().catch(() => {});
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

async function walkBack(
  handle: Handle,
  size: number,
  visit: (line: string, first: boolean) => Visit,
  budget: number,
  maxLine: number,
): Promise<BackwardRead> {
  const buffer = Buffer.alloc(BLOCK);
  const result: BackwardRead = { kind: 'start', bytes: 0, longLines: 0 };
  /** The end of a line whose start is in an older block (bytes, newest last); null once it is too long. */
  let tail: Buffer[] | null = [];
  let tailBytes = 0;
  let position = size;
  while (position > 0) {
    if (result.bytes >= budget) return { ...result, kind: 'budget' };
    const length = Math.min(BLOCK, position, budget - result.bytes);
    position -= length;
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    if (bytesRead !== length) return { ...result, kind: 'invalid' }; // shrank under us
    result.bytes += length;
    let end = length;
    for (
      let at = buffer.lastIndexOf(10, end - 1);
      at !== -1 && at < end;
      at = buffer.lastIndexOf(10, end - 1)
    ) {
      const piece = buffer.subarray(at + 1, end);
      const line = tail === null ? null : Buffer.concat([piece, ...tail.reverse()]).toString('utf8');
      if (line === null) result.longLines++;
      else if (visit(line, false) === 'stop') return { ...result, kind: 'stopped' };
      tail = [];
      tailBytes = 0;
      end = at;
      if (end === 0) break;
    }
    if (tail !== null && end > 0) {
      tail.push(Buffer.from(buffer.subarray(0, end)));
      tailBytes += end;
      if (tailBytes > maxLine) tail = null;
    }
  }
  if (tail === null) result.longLines++;
  else if (tailBytes > 0 && visit(Buffer.concat(tail.reverse()).toString('utf8'), true) === 'stop')
    return { ...result, kind: 'stopped' };
  return result;
}
