import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The first `maxBytes` of `file` as UTF-8, or null when it is not a regular file or cannot be
 * read. Opened non-blocking and checked before reading: a FIFO or a device where a file should be
 * (a venv lives under the workspace, anyone can put one there) must not hang the caller, and a
 * huge file costs only its head.
 */
export async function readHead(file: string, maxBytes: number): Promise<string | null> {
  try {
    const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      if (!(await handle.stat()).isFile()) return null;
      const buffer = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}
