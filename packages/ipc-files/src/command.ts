import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { describeValue, parseJsonText } from './bounded-text.ts';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { isProcessAlive } from './process-alive.ts';
import { toPythonJson } from './python-json.ts';
import { report } from './read-file.ts';
import { READ_LIMITS, readRegularFile } from './safe-read.ts';
import { removeEntry } from './set-aside.ts';
import { uniqueSuffix } from './unique-suffix.ts';

export const COMMAND_NAMES = ['restart', 'shutdown', 'abort_switch', 'switch'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** `.cmd`: a one-shot instruction to the supervisor. */
export interface Command {
  command: CommandName;
  /** ms since the epoch */
  timestamp: number;
  targetEnv?: string | undefined;
  extra: Record<string, unknown>;
}

export type TakenCommand =
  /** nothing there, taken by another taker, or a bad entry that cannot be removed (logged once) */
  | { kind: 'none' }
  /** `.cmd` holds incomplete JSON written less than `pendingMs` ago: left in place, look again shortly. */
  | { kind: 'pending' }
  /** garbage, too large, too deep, or not a regular file: removed (a directory is set aside). */
  | { kind: 'invalid'; reason: string }
  /** valid JSON but no command we know; `raw` is a bounded one-line description, never the value. */
  | { kind: 'unknown'; raw: string }
  | { kind: 'command'; command: Command };

export interface TakeCommandOptions extends IpcOptions {
  /** A `.cmd` with incomplete JSON younger than this is `pending`. @default 100 */
  pendingMs?: number | undefined;
}

/** Writes `.cmd` atomically, as Python's `safe_write_command` (`json.dump` without indent). */
export async function writeCommand(
  dir: string,
  command: {
    command: CommandName;
    targetEnv?: string | undefined;
    extra?: Record<string, unknown> | undefined;
  },
  options?: IpcOptions,
): Promise<void> {
  const wire: Record<string, unknown> = { command: command.command, timestamp: nowOf(options) / 1000 };
  if (command.targetEnv !== undefined) wire.target_env = command.targetEnv;
  for (const [key, value] of Object.entries(command.extra ?? {})) if (!(key in wire)) wire[key] = value;
  await writeFileAtomic(join(dir, FILE_NAMES.command), toPythonJson(wire, null), options);
}

/**
 * Reads and deletes `.cmd`. Only a regular file of at most 64 KiB is read (never a FIFO: nothing
 * blocks). A file with incomplete JSON written less than `pendingMs` ago is left in place and
 * yields `pending` (a non-atomic writer is still at it). Otherwise the file is first renamed to a
 * name of our own, so of several concurrent takers exactly one gets it, then read and removed.
 * Never throws; whatever is logged is one bounded line.
 */
export async function takeCommand(dir: string, options?: TakeCommandOptions): Promise<TakenCommand> {
  const path = join(dir, FILE_NAMES.command);
  const first = await readRegularFile(path, READ_LIMITS.command);
  if (first.kind === 'missing') return { kind: 'none' };
  if (first.kind === 'invalid') {
    // Not a regular file, or too large: never read; a directory is set aside, anything else removed.
    // One that stays (a read-only folder) is `none`: `invalid` tells the caller to look again at once.
    report(path, first, options, first.id);
    if (!(await removeEntry(path, options))) return { kind: 'none' };
    return { kind: 'invalid', reason: first.reason };
  }
  const peek = parseJsonText(first.text);
  const young = nowOf(options) - first.mtimeMs < (options?.pendingMs ?? 100);
  if (!peek.ok && peek.incomplete && young) return { kind: 'pending' };
  const mine = join(dir, `${FILE_NAMES.command}.taking.${uniqueSuffix()}`);
  try {
    await rename(path, mine);
  } catch {
    return { kind: 'none' }; // another taker got it
  }
  const read = await readRegularFile(mine, READ_LIMITS.command);
  await removeEntry(mine, options);
  if (read.kind === 'missing') return { kind: 'none' };
  if (read.kind === 'invalid') {
    report(path, read, options);
    return { kind: 'invalid', reason: read.reason };
  }
  const parsed = parseJsonText(read.text);
  if (!parsed.ok) {
    report(path, { kind: 'invalid', reason: parsed.reason }, options);
    return { kind: 'invalid', reason: parsed.reason };
  }
  const raw = parsed.value;
  const logger = loggerOf(options);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const described = describeValue(raw);
    logger.warn(`${FILE_NAMES.command}: not a command object: ${described}`);
    return { kind: 'unknown', raw: described };
  }
  const { command, timestamp, target_env, ...extra } = raw as Record<string, unknown>;
  if (typeof command !== 'string' || !(COMMAND_NAMES as readonly string[]).includes(command)) {
    logger.warn(`${FILE_NAMES.command}: unknown command ${describeValue(command, 80)}`);
    return { kind: 'unknown', raw: describeValue(raw) };
  }
  return {
    kind: 'command',
    command: {
      command: command as CommandName,
      timestamp: typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp * 1000 : 0,
      ...(typeof target_env === 'string' ? { targetEnv: target_env } : {}),
      extra,
    },
  };
}

/**
 * Removes temp files (`.cmd.taking.*`, atomic-write temps, moved-aside stale locks and pid files)
 * left by processes that died. Never throws.
 */
export async function cleanupStaleTempFiles(dir: string, options?: IpcOptions): Promise<number> {
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^(?:\.cmd\.taking\.|.*\.tmp\.|.*\.stale\.)(\d+)\./.exec(name);
    const pid = match ? Number(match[1]) : 0;
    if (match && pid !== process.pid && !isProcessAlive(pid)) {
      await removeEntry(join(dir, name), options);
      removed++;
    }
  }
  return removed;
}
