import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IpcError } from './errors.ts';
import type { IpcOptions } from './logger.ts';
import { setAsideIfNotRegular } from './set-aside.ts';
import { uniqueSuffix } from './unique-suffix.ts';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp.${uniqueSuffix()}`);
}

async function assertDir(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // fall through
  }
  throw new IpcError(`metadata folder not found: ${dir}`, 'METADATA_DIR_MISSING');
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? 'unknown error';
}

/**
 * Writes `data` so that a reader sees the old file or the new one, never a part: a temp file in
 * the same folder, fsync, then rename over the target. A directory, FIFO, socket or symlink at the
 * target is set aside first (`<name>.rejected-<ms>`, logged once). On failure (a read-only folder,
 * a full disk) no temp file is left behind and an {@link IpcError} `WRITE_FAILED` naming the file
 * is thrown, with the system error as `cause`.
 */
export async function writeFileAtomic(path: string, data: string, options?: IpcOptions): Promise<void> {
  await assertDir(dirname(path));
  await setAsideIfNotRegular(path, options);
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
    await rm(temp, { force: true }).catch(() => {});
    throw new IpcError(
      `could not write ${basename(path)} in ${dirname(path)} (${codeOf(error)})`,
      'WRITE_FAILED',
      {
        cause: error,
      },
    );
  }
}
