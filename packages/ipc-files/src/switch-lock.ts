import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';

export type LockResult =
  | { ok: true; tookOverStale: boolean }
  | { ok: false; reason: 'held'; ageMs: number; ownerPid: number | null };

export interface LockOptions extends IpcOptions {
  /** A lock older than this is stale (the Python side uses 300 s). @default 300_000 */
  staleAfterMs?: number | undefined;
  /** Whether the recorded owner is alive. @default process.kill(pid, 0) */
  isAlive?: ((pid: number) => boolean) | undefined;
  /**
   * The pid recorded as the owner, or null for an empty lock like the Python side's (stale only by
   * age). Pass null, or the supervisor's pid, when the lock must outlive the process taking it.
   * @default process.pid
   */
  owner?: number | null | undefined;
}

const TAKEOVER_GUARD = `${FILE_NAMES.lock}.takeover`;
const GUARD_STALE_MS = 10_000;

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
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

interface Observed {
  ino: number;
  mtimeMs: number;
  ownerPid: number | null;
}

async function observe(path: string): Promise<Observed | null> {
  try {
    const info = await stat(path);
    const text = await readFile(path, 'utf8').catch(() => '');
    const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
    return { ino: info.ino, mtimeMs: info.mtimeMs, ownerPid: pid };
  } catch {
    return null;
  }
}

/**
 * Takes `.switch.lock` (an exclusive create; of N racing processes exactly one wins). Our pid is
 * written into it (the Python side writes an empty file and ignores the content). A lock older than
 * `staleAfterMs`, or whose recorded owner is dead, is taken over; the takeover is serialised by a
 * guard file and verified by inode, so it never lets two winners through either.
 */
export async function acquireSwitchLock(dir: string, options: LockOptions = {}): Promise<LockResult> {
  const path = join(dir, FILE_NAMES.lock);
  const staleAfterMs = options.staleAfterMs ?? 300_000;
  const isAlive = options.isAlive ?? defaultIsAlive;
  const logger = loggerOf(options);
  const content = options.owner === null ? '' : String(options.owner ?? process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, content)) return { ok: true, tookOverStale: false };
    const seen = await observe(path);
    if (!seen) continue; // released between our create and our look: try again
    const ageMs = Math.max(0, nowOf(options) - seen.mtimeMs);
    const ownerDead = seen.ownerPid !== null && seen.ownerPid !== process.pid && !isAlive(seen.ownerPid);
    if (ageMs <= staleAfterMs && !ownerDead)
      return { ok: false, reason: 'held', ageMs, ownerPid: seen.ownerPid };
    if (await takeOver(dir, path, seen, content)) {
      logger.info(
        `took over a stale switch lock (${ownerDead ? `owner ${seen.ownerPid} is dead` : `${Math.round(ageMs / 1000)} s old`})`,
      );
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

async function takeOver(dir: string, path: string, stale: Observed, content: string): Promise<boolean> {
  const guard = join(dir, TAKEOVER_GUARD);
  if (!(await createExclusive(guard, String(process.pid)))) {
    const info = await stat(guard).catch(() => null);
    if (info && Date.now() - info.mtimeMs > GUARD_STALE_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    // Takeovers are serialised by the guard, and plain acquirers never replace an existing lock, so
    // if the lock at `path` is still the one we judged stale, nobody else can swap it under us now.
    const current = await observe(path);
    if (!current || current.ino !== stale.ino || current.mtimeMs !== stale.mtimeMs) return false;
    // Move the stale lock aside, then check that what we moved is the one we judged stale.
    const aside = join(dir, `${FILE_NAMES.lock}.stale.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      await rename(path, aside);
    } catch {
      return false; // gone already
    }
    const moved = await stat(aside).catch(() => null);
    if (!moved || moved.ino !== stale.ino) {
      // Someone's fresh lock: put it back (link fails if a lock exists again; then it stays aside).
      await link(aside, path).catch(() => {});
      await rm(aside, { force: true });
      return false;
    }
    await rm(aside, { force: true });
    return await createExclusive(path, content);
  } finally {
    await rm(guard, { force: true });
  }
}

export async function releaseSwitchLock(dir: string): Promise<void> {
  await rm(join(dir, FILE_NAMES.lock), { force: true });
}

export async function isSwitchLocked(dir: string): Promise<boolean> {
  return (await stat(join(dir, FILE_NAMES.lock)).catch(() => null)) !== null;
}
