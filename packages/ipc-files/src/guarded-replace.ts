import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type IpcOptions, nowOf } from './logger.ts';
import { removeEntry } from './set-aside.ts';
import { uniqueSuffix } from './unique-suffix.ts';

/** What was seen at a path when it was judged stale: its identity, so a newer file is never removed. */
export interface Seen {
  ino: number;
  mtimeMs: number;
}

const GUARD_STALE_MS = 10_000;

/** Creates `path` with `content` only if nothing is there (`O_EXCL`). False when something is. */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o644);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function identity(path: string): Promise<Seen | null> {
  const info = await lstat(path).catch(() => null);
  return info ? { ino: info.ino, mtimeMs: info.mtimeMs } : null;
}

/**
 * Replaces the entry at `dir/name` that was judged stale (`seen`), with `create()`, so that of
 * racing processes at most one succeeds and a file a racer has just created is never removed:
 * takeovers are serialised by `<name>.takeover` (created exclusively), the entry is moved aside and
 * checked to be the one judged stale (else it is put back), and only then is `create()` called
 * (which must itself be exclusive). A stale entry that is not a regular file is kept as
 * `<name>.rejected-<ms>` instead of being deleted. True when `create()` succeeded.
 */
export async function replaceGuarded(
  dir: string,
  name: string,
  seen: Seen,
  create: () => Promise<boolean>,
  options?: IpcOptions,
): Promise<boolean> {
  const guard = join(dir, `${name}.takeover`);
  if (!(await createExclusive(guard, String(process.pid)).catch(() => false))) {
    const info = await lstat(guard).catch(() => null);
    if (info && (!info.isFile() || Date.now() - info.mtimeMs > GUARD_STALE_MS))
      await removeEntry(guard, options);
    return false;
  }
  const path = join(dir, name);
  try {
    // Takeovers are serialised by the guard, and plain creators never replace an existing entry, so
    // if the entry at `path` is still the one judged stale, nobody else can swap it under us now.
    const current = await identity(path);
    if (!current || current.ino !== seen.ino || current.mtimeMs !== seen.mtimeMs) return false;
    const aside = join(dir, `${name}.stale.${uniqueSuffix()}`);
    try {
      await rename(path, aside);
    } catch {
      return false; // gone already
    }
    const moved = await lstat(aside).catch(() => null);
    if (!moved || moved.ino !== seen.ino) {
      // Someone's fresh entry: put it back (link fails if one exists again; then it stays aside).
      await link(aside, path).catch(() => {});
      await rm(aside, { force: true }).catch(() => {});
      return false;
    }
    if (moved.isFile() || moved.isSymbolicLink()) await rm(aside, { force: true }).catch(() => {});
    else await rename(aside, `${path}.rejected-${Math.round(nowOf(options))}`).catch(() => {});
    return await create();
  } finally {
    await rm(guard, { force: true }).catch(() => {});
  }
}
