import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { createExclusive, replaceGuarded, type Seen } from './guarded-replace.ts';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { isProcessAlive } from './process-alive.ts';
import { READ_LIMITS, readRegularFile } from './safe-read.ts';
import { removeEntry } from './set-aside.ts';

export type LockResult =
  | { ok: true; tookOverStale: boolean }
  | { ok: false; reason: 'held'; ageMs: number; ownerPid: number | null };

export interface LockOptions extends IpcOptions {
  /** A lock older than this is stale (the Python side uses 300 s). @default 300_000 */
  staleAfterMs?: number | undefined;
  /** Whether the recorded owner is alive. @default isProcessAlive */
  isAlive?: ((pid: number) => boolean) | undefined;
  /**
   * The pid recorded as the owner, or null for an empty lock like the Python side's (stale only by
   * age). Pass null, or the supervisor's pid, when the lock must outlive the process taking it.
   * @default process.pid
   */
  owner?: number | null | undefined;
}

interface Observed extends Seen {
  ownerPid: number | null;
  /** why the entry is no lock at all (a directory, FIFO, symlink, oversize file), or null */
  bad: string | null;
}

async function observe(path: string): Promise<Observed | null> {
  const info = await lstat(path).catch(() => null);
  if (!info) return null;
  const read = await readRegularFile(path, READ_LIMITS.small);
  if (read.kind === 'missing') return null;
  if (read.kind === 'invalid')
    return { ino: info.ino, mtimeMs: info.mtimeMs, ownerPid: null, bad: read.reason };
  const text = read.text.trim();
  const ownerPid = /^\d{1,10}$/.test(text) ? Number(text) : null;
  return { ino: read.ino, mtimeMs: read.mtimeMs, ownerPid, bad: null };
}

/**
 * Takes `.switch.lock` (an exclusive create; of N racing processes exactly one wins). Our pid is
 * written into it (the Python side writes an empty file and ignores the content). A lock older than
 * `staleAfterMs`, or whose recorded owner is dead, is taken over; the takeover is serialised by a
 * guard file and verified by inode, so it never lets two winners through either. Something that is
 * no lock at all (a directory, FIFO, socket or symlink at `.switch.lock`, or an oversize file) is
 * set aside as `.switch.lock.rejected-<ms>` with the same guarded step, logged once, and the lock
 * is taken: it never blocks switches and never makes this throw.
 */
export async function acquireSwitchLock(dir: string, options: LockOptions = {}): Promise<LockResult> {
  const path = join(dir, FILE_NAMES.lock);
  const staleAfterMs = options.staleAfterMs ?? 300_000;
  const isAlive = options.isAlive ?? isProcessAlive;
  const logger = loggerOf(options);
  const content = options.owner === null ? '' : String(options.owner ?? process.pid);
  const create = () => createExclusive(path, content).catch(() => false);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create()) return { ok: true, tookOverStale: false };
    const seen = await observe(path);
    if (!seen) continue; // released between our create and our look: try again
    const ageMs = Math.max(0, nowOf(options) - seen.mtimeMs);
    const ownerDead = seen.ownerPid !== null && seen.ownerPid !== process.pid && !isAlive(seen.ownerPid);
    if (seen.bad === null && ageMs <= staleAfterMs && !ownerDead)
      return { ok: false, reason: 'held', ageMs, ownerPid: seen.ownerPid };
    if (await replaceGuarded(dir, FILE_NAMES.lock, seen, create, options)) {
      const why =
        seen.bad !== null
          ? `${seen.bad}, set aside`
          : ownerDead
            ? `owner ${seen.ownerPid} is dead`
            : `${Math.round(ageMs / 1000)} s old`;
      const line = `${FILE_NAMES.lock}: took over a stale switch lock (${why})`;
      if (seen.bad !== null) logger.warn(line);
      else logger.info(line);
      return { ok: true, tookOverStale: true };
    }
  }
  const seen = await observe(path);
  return {
    ok: false,
    reason: 'held',
    ageMs: seen ? Math.max(0, nowOf(options) - seen.mtimeMs) : 0,
    ownerPid: seen?.ownerPid ?? null,
  };
}

/** Removes the lock; never throws (a directory in its place is set aside). */
export async function releaseSwitchLock(dir: string, options?: IpcOptions): Promise<void> {
  await removeEntry(join(dir, FILE_NAMES.lock), options);
}

export async function isSwitchLocked(dir: string): Promise<boolean> {
  return (await lstat(join(dir, FILE_NAMES.lock)).catch(() => null)) !== null;
}
