import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { describeValue } from './bounded-text.ts';
import type { IpcOptions } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { removeFile, report } from './read-file.ts';
import { READ_LIMITS, readRegularFile, type SafeRead } from './safe-read.ts';
import type { TolerantRead } from './tolerant-read.ts';

/** Decimal text (a newline tolerated), as Python's `write_text(str(pid))`: a positive integer. */
export function parseDecimal(read: SafeRead, max = Number.MAX_SAFE_INTEGER): TolerantRead<number> {
  if (read.kind !== 'ok') return read;
  const trimmed = read.text.trim();
  if (!/^\d{1,16}$/.test(trimmed) || Number(trimmed) <= 0 || Number(trimmed) > max)
    return { kind: 'invalid', reason: `not a number from 1 to ${max}: ${describeValue(trimmed, 40)}` };
  return { kind: 'ok', value: Number(trimmed) };
}

async function inspectDecimal(
  path: string,
  max: number,
  options?: IpcOptions,
): Promise<TolerantRead<number>> {
  const read = await readRegularFile(path, READ_LIMITS.small);
  const result = parseDecimal(read, max);
  report(path, result, options, read.kind === 'missing' ? undefined : read.id);
  return result;
}

export async function writePidFile(
  dir: string,
  pid: number = process.pid,
  options?: IpcOptions,
): Promise<void> {
  await writeFileAtomic(join(dir, FILE_NAMES.pid), String(pid), options);
}

/** The pid file as missing / invalid (with why) / ok. */
export async function inspectPidFile(dir: string, options?: IpcOptions): Promise<TolerantRead<number>> {
  return inspectDecimal(join(dir, FILE_NAMES.pid), Number.MAX_SAFE_INTEGER, options);
}

export async function readPidFile(dir: string, options?: IpcOptions): Promise<number | null> {
  const result = await inspectPidFile(dir, options);
  return result.kind === 'ok' ? result.value : null;
}

/**
 * Removes the pid file; with `onlyIfPid`, only when it still names that pid (see
 * `releasePidFile`). Never throws.
 */
export async function removePidFile(dir: string, onlyIfPid?: number, options?: IpcOptions): Promise<void> {
  if (onlyIfPid !== undefined && (await readPidFile(dir)) !== onlyIfPid) return;
  await removeFile(join(dir, FILE_NAMES.pid), options);
}

export async function writeControlPort(dir: string, port: number, options?: IpcOptions): Promise<void> {
  await writeFileAtomic(join(dir, FILE_NAMES.controlPort), String(port), options);
}

/** `.control_port` as missing / invalid (garbage, out of 1-65535, not a regular file) / ok. */
export async function inspectControlPort(dir: string, options?: IpcOptions): Promise<TolerantRead<number>> {
  return inspectDecimal(join(dir, FILE_NAMES.controlPort), 65535, options);
}

export async function readControlPort(dir: string, options?: IpcOptions): Promise<number | null> {
  const result = await inspectControlPort(dir, options);
  return result.kind === 'ok' ? result.value : null;
}

export async function removeControlPort(dir: string, options?: IpcOptions): Promise<void> {
  await removeFile(join(dir, FILE_NAMES.controlPort), options);
}
