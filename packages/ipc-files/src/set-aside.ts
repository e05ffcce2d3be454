import { lstat, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { describeEntry } from './safe-read.ts';

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? 'unknown error';
}

/** Paths whose entry could not be moved or removed, with why: said once as a warning, then as debug. */
const stuck = new Map<string, string>();

function warnStuck(path: string, line: string, options?: IpcOptions): void {
  const logger = loggerOf(options);
  if (stuck.get(path) === line) logger.debug(line);
  else {
    if (stuck.size > 200) stuck.clear();
    stuck.set(path, line);
    logger.warn(line);
  }
}

/**
 * Moves whatever is at `path` to `<path>.rejected-<epoch ms>` in the same folder, so the protocol
 * name is free again and nothing is deleted; logs it once. Returns the new path, or null when
 * nothing was there (or it could not be moved: that is logged too, once while it stays so). Never throws.
 */
export async function setAside(path: string, why: string, options?: IpcOptions): Promise<string | null> {
  const logger = loggerOf(options);
  const aside = `${path}.rejected-${Math.round(nowOf(options))}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return null;
    warnStuck(path, `${basename(path)}: ${why}; could not set it aside (${codeOf(error)})`, options);
    return null;
  }
  stuck.delete(path);
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
 * with whatever it holds; a symlink is removed itself, never what it points to. False when the
 * entry is still there (a read-only folder): logged once while it stays so.
 */
export async function removeEntry(path: string, options?: IpcOptions): Promise<boolean> {
  const info = await lstat(path).catch(() => null);
  if (!info) return true;
  if (info.isDirectory()) return (await setAside(path, describeEntry(info), options)) !== null;
  try {
    await rm(path, { force: true });
    stuck.delete(path);
    return true;
  } catch (error) {
    warnStuck(path, `${basename(path)}: could not be removed (${codeOf(error)})`, options);
    return false;
  }
}
