import { lstat, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { describeEntry } from './safe-read.ts';

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? 'unknown error';
}

/**
 * Moves whatever is at `path` to `<path>.rejected-<epoch ms>` in the same folder, so the protocol
 * name is free again and nothing is deleted; logs it once. Returns the new path, or null when
 * nothing was there (or it could not be moved: that is logged too). Never throws.
 */
export async function setAside(path: string, why: string, options?: IpcOptions): Promise<string | null> {
  const logger = loggerOf(options);
  const aside = `${path}.rejected-${Math.round(nowOf(options))}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return null;
    logger.warn(`${basename(path)}: ${why}; could not set it aside (${codeOf(error)})`);
    return null;
  }
  logger.warn(`${basename(path)}: ${why}; set aside as ${basename(aside)}`);
  return aside;
}

/**
 * If something other than a regular file sits at `path` (a directory, FIFO, socket, device or a
 * symlink), sets it aside. Returns whether the name is free of such an entry now.
 */
export async function setAsideIfNotRegular(path: string, options?: IpcOptions): Promise<boolean> {
  const info = await lstat(path).catch(() => null);
  if (!info || info.isFile()) return true;
  await setAside(path, describeEntry(info), options);
  return !(await lstat(path).catch(() => null));
}

/**
 * Removes a protocol file; never throws. A directory in its place is set aside rather than deleted
 * with whatever it holds; a symlink is removed itself, never what it points to.
 */
export async function removeEntry(path: string, options?: IpcOptions): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (!info) return;
  if (info.isDirectory()) {
    await setAside(path, describeEntry(info), options);
    return;
  }
  try {
    await rm(path, { force: true });
  } catch (error) {
    loggerOf(options).warn(`${basename(path)}: could not be removed (${codeOf(error)})`);
  }
}
