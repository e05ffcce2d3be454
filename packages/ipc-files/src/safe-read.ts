import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/** Size limits of the protocol files: anything larger is refused unread. */
export const READ_LIMITS = {
  /** JSON protocol files (switch request and status, startup state, config). */
  json: 1024 * 1024,
  /** `.cmd` */
  command: 64 * 1024,
  /** `.orchestrator.pid`, `.control_port`, `.switch.lock` */
  small: 64,
} as const;

export type SafeRead =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string; id?: string }
  | { kind: 'ok'; text: string; mtimeMs: number; ino: number; id: string };

/** Tells one version of a file from another (for "log a bad file once"). */
function idOf(info: Stats): string {
  return `${info.dev}:${info.ino}:${info.mtimeMs}:${info.size}`;
}

/** What a directory entry is, in words, for "not a regular file (a directory)". */
export function describeEntry(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link (not followed)';
  if (info.isDirectory()) return 'not a regular file (a directory)';
  if (info.isFIFO()) return 'not a regular file (a FIFO)';
  if (info.isSocket()) return 'not a regular file (a socket)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'not a regular file (a device)';
  return 'not a regular file';
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? 'unknown error';
}

/**
 * Reads a protocol file only when it is a regular file of at most `maxBytes`: a symlink is not
 * followed, a directory, FIFO, socket or device is never opened for reading (and a FIFO swapped in
 * after the check cannot block: the open is non-blocking and the descriptor is checked again).
 * Never throws.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<SafeRead> {
  let info: Stats;
  try {
    info = await lstat(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'invalid', reason: `cannot be examined (${codeOf(error)})` };
  }
  if (!info.isFile()) return { kind: 'invalid', reason: describeEntry(info), id: idOf(info) };
  if (info.size > maxBytes)
    return { kind: 'invalid', reason: `too large (${info.size} bytes)`, id: idOf(info) };
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'invalid', reason: 'a symbolic link (not followed)' };
    return { kind: 'invalid', reason: `cannot be opened (${code})` };
  }
  try {
    const fdInfo = await handle.stat();
    if (!fdInfo.isFile()) return { kind: 'invalid', reason: describeEntry(fdInfo), id: idOf(fdInfo) };
    if (fdInfo.size > maxBytes)
      return { kind: 'invalid', reason: `too large (${fdInfo.size} bytes)`, id: idOf(fdInfo) };
    // Read to the end, but never more than one byte past the limit (a file that grew since the fstat).
    const chunks: Buffer[] = [];
    let length = 0;
    const chunkSize = Math.min(maxBytes + 1, Math.max(fdInfo.size + 1, 4096));
    while (length <= maxBytes) {
      const buffer = Buffer.alloc(Math.min(chunkSize, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, length);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > maxBytes)
      return { kind: 'invalid', reason: `too large (more than ${maxBytes} bytes)`, id: idOf(fdInfo) };
    return {
      kind: 'ok',
      text: Buffer.concat(chunks).toString('utf8'),
      mtimeMs: fdInfo.mtimeMs,
      ino: fdInfo.ino,
      id: idOf(fdInfo),
    };
  } catch (error) {
    return { kind: 'invalid', reason: `cannot be read (${codeOf(error)})` };
  } finally {
    await handle.close().catch(() => {});
  }
}
