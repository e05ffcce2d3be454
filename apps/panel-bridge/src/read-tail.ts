import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

// A FIFO put where a log belongs must not hold a thread of the pool in open(2); a symlink is not followed.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * The lines at the end of a regular file, reading only its last `maxBytes` (a line cut at the start
 * of that window is left off), empty lines dropped. Null when there is no such file, or it is a
 * directory, FIFO, symlink or unreadable; `[]` when it is empty. Never throws.
 */
export async function readTailLines(path: string, maxBytes: number): Promise<string[] | null> {
  const handle = await open(path, OPEN_FLAGS).catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    const length = Math.min(info.size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, info.size - length);
    const all = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    if (length < info.size) all.shift(); // cut in the middle
    return all.map((line) => line.replace(/\r$/, '')).filter((line) => line !== '');
  } catch {
    return null;
  } finally {
    await handle.close().catch(() => {});
  }
}
