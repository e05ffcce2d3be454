import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IpcError } from './errors.ts';
import { replaceGuarded } from './guarded-replace.ts';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { parseDecimal } from './pid-file.ts';
import { READ_LIMITS, readRegularFile } from './safe-read.ts';
import { uniqueSuffix } from './unique-suffix.ts';

export interface ClaimOptions extends IpcOptions {
  /** The pid to record. @default process.pid */
  pid?: number | undefined;
  /** Whether a live `pid` is really a supervisor (not an unrelated process with a reused pid). */
  isSupervisor: (pid: number) => boolean;
  /** Waits between looks at an empty pid file a non-atomic writer may still be filling. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export type ClaimResult = { ok: true } | { ok: false; holder: number };

/** An empty file younger than this may be a (Python) writer between create and write. */
const EMPTY_GRACE_MS = 1_000;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Claims `.orchestrator.pid` for `pid`. The file is created complete: the pid is written to a temp
 * file which is then hard-linked into place (`EEXIST`: someone holds it), so no reader ever sees an
 * empty pid file of ours. A holder that is dead, not a supervisor, or garbage (also a directory or
 * FIFO in its place) is taken over with the guarded, verified step the stale switch lock uses, so
 * of N racing processes exactly one gets `{ ok: true }` and a file a racer has just created is
 * never removed. A live supervisor holding it gives `{ ok: false, holder }`.
 */
export async function claimPidFile(dir: string, options: ClaimOptions): Promise<ClaimResult> {
  const pid = options.pid ?? process.pid;
  const path = join(dir, FILE_NAMES.pid);
  const temp = join(dir, `.${FILE_NAMES.pid}.tmp.${uniqueSuffix()}`);
  const sleep = options.sleep ?? defaultSleep;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(String(pid));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw new IpcError(`could not write ${FILE_NAMES.pid} in ${dir}`, 'WRITE_FAILED', { cause: error });
  }
  const place = async (): Promise<boolean> => {
    try {
      await link(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new IpcError(`could not write ${FILE_NAMES.pid} in ${dir}`, 'WRITE_FAILED', { cause: error });
    }
  };
  try {
    let holder = 0;
    let waits = 0;
    for (let attempt = 0; attempt < 8; attempt++) {
      if (await place()) return { ok: true };
      const info = await lstat(path).catch(() => null);
      if (!info) continue; // released in between: try again
      const read = parseDecimal(await readRegularFile(path, READ_LIMITS.small));
      if (read.kind === 'missing') continue;
      if (read.kind === 'ok') {
        holder = read.value;
        if (holder === pid) return { ok: true };
        if (options.isSupervisor(holder)) return { ok: false, holder };
      } else if (info.isFile() && info.size === 0 && nowOf(options) - info.mtimeMs < EMPTY_GRACE_MS) {
        if (waits++ < EMPTY_GRACE_MS / 50) {
          await sleep(50); // a non-atomic writer between create and write: look again
          attempt--;
          continue;
        }
      }
      const why = read.kind === 'ok' ? `holder ${holder} is not a running supervisor` : read.reason;
      if (await replaceGuarded(dir, FILE_NAMES.pid, info, place, options)) {
        loggerOf(options).info(`${FILE_NAMES.pid}: took over (${why})`);
        return { ok: true };
      }
    }
    const last = parseDecimal(await readRegularFile(path, READ_LIMITS.small));
    return { ok: false, holder: last.kind === 'ok' ? last.value : holder };
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * Does the pid file still name `pid`? `'missing'`, `{ other }` (overwritten by someone else) or
 * `'invalid'` (garbage, or not a regular file) tell a running supervisor it lost its claim.
 */
export async function verifyPidFile(
  dir: string,
  pid: number,
): Promise<'ours' | 'missing' | 'invalid' | { other: number }> {
  const read = parseDecimal(await readRegularFile(join(dir, FILE_NAMES.pid), READ_LIMITS.small));
  if (read.kind === 'missing') return 'missing';
  if (read.kind === 'invalid') return 'invalid';
  return read.value === pid ? 'ours' : { other: read.value };
}

/**
 * Removes the pid file only when it names `pid`: it is moved aside, checked, and put back if a new
 * claimant replaced it in between. True when it was ours and is gone. Never throws.
 */
export async function releasePidFile(dir: string, pid: number): Promise<boolean> {
  const path = join(dir, FILE_NAMES.pid);
  if ((await verifyPidFile(dir, pid)) !== 'ours') return false;
  const aside = join(dir, `${FILE_NAMES.pid}.stale.${uniqueSuffix()}`);
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  const moved = parseDecimal(await readRegularFile(aside, READ_LIMITS.small));
  if (moved.kind === 'ok' && moved.value === pid) {
    await rm(aside, { force: true }).catch(() => {});
    return true;
  }
  await link(aside, path).catch(() => {});
  await rm(aside, { force: true }).catch(() => {});
  return false;
}

/**
 * Removes a pid file judged stale only if it still is what was judged: it names `stale` (a dead
 * process, or one that is no supervisor), or with `'invalid'`, it is still garbage or not a regular
 * file. Uses the guarded, verified step of the claim, so a pid file a new supervisor has just
 * created is never removed. True when it was removed. Never throws.
 */
export async function discardStalePidFile(dir: string, stale: number | 'invalid'): Promise<boolean> {
  const path = join(dir, FILE_NAMES.pid);
  const info = await lstat(path).catch(() => null);
  if (!info) return false;
  if (info.isFile() && info.size === 0 && Date.now() - info.mtimeMs < EMPTY_GRACE_MS) return false; // being written
  const read = parseDecimal(await readRegularFile(path, READ_LIMITS.small));
  const still = stale === 'invalid' ? read.kind === 'invalid' : read.kind === 'ok' && read.value === stale;
  if (!still) return false;
  return replaceGuarded(dir, FILE_NAMES.pid, info, async () => true).catch(() => false);
}
