import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IpcError } from './errors.ts';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`);
}

async function assertDir(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // fall through
  }
  throw new IpcError(`metadata folder not found: ${dir}`, 'METADATA_DIR_MISSING');
}

/**
 * Writes `data` so that a reader sees the old file or the new one, never a part: a temp file in
 * the same folder, fsync, then rename over the target.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await assertDir(dirname(path));
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new IpcError(`could not write ${path}: ${(error as Error).message}`, 'WRITE_FAILED', {
      cause: error,
    });
  }
}

/** The synchronous twin of {@link writeFileAtomic}, for exit handlers. */
export function writeFileAtomicSync(path: string, data: string): void {
  try {
    if (!statSync(dirname(path)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new IpcError(`metadata folder not found: ${dirname(path)}`, 'METADATA_DIR_MISSING');
  }
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new IpcError(`could not write ${path}: ${(error as Error).message}`, 'WRITE_FAILED', {
      cause: error,
    });
  }
}
