import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { type IpcOptions, loggerOf, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';

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
  | { kind: 'none' }
  | { kind: 'command'; command: Command }
  | { kind: 'unknown'; raw: unknown }
  | { kind: 'pending' }
  | { kind: 'invalid'; reason: string };

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
  await writeFileAtomic(join(dir, FILE_NAMES.command), toPythonJson(wire, null));
}

/**
 * Reads and deletes `.cmd`. The file is first renamed to a name of our own, so of several
 * concurrent takers exactly one gets it. A corrupt file is removed and yields `unknown`.
 */
export async function takeCommand(dir: string, options?: IpcOptions): Promise<TakenCommand> {
  const logger = loggerOf(options);
  const mine = join(dir, `${FILE_NAMES.command}.taking.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    await rename(join(dir, FILE_NAMES.command), mine);
  } catch {
    return { kind: 'none' };
  }
  let text: string;
  try {
    text = await readFile(mine, 'utf8');
  } finally {
    await rm(mine, { force: true });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    logger.warn(`${FILE_NAMES.command}: ignored, not valid JSON`);
    return { kind: 'unknown', raw: text };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'unknown', raw };
  const { command, timestamp, target_env, ...extra } = raw as Record<string, unknown>;
  if (typeof command !== 'string' || !(COMMAND_NAMES as readonly string[]).includes(command)) {
    logger.warn(`${FILE_NAMES.command}: unknown command ${JSON.stringify(command)}`);
    return { kind: 'unknown', raw };
  }
  return {
    kind: 'command',
    command: {
      command: command as CommandName,
      timestamp: typeof timestamp === 'number' ? timestamp * 1000 : 0,
      ...(typeof target_env === 'string' ? { targetEnv: target_env } : {}),
      extra,
    },
  };
}

/** Removes temp files (`.cmd.tmp.*`, our `.cmd.taking.*`, atomic-write temps) left by crashed processes. */
export async function cleanupStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^(?:\.cmd\.(?:tmp|taking)\.|.*\.tmp\.|\.switch\.lock\.stale\.)(\d+)/.exec(name);
    if (match && !pidAlive(Number(match[1]))) {
      await rm(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
