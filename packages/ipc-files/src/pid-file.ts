import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { type IpcOptions, loggerOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { readText, readTextSync, removeFile } from './read-file.ts';

/** Decimal text without a newline, as Python's `write_text(str(pid))`. */
function parseDecimal(text: string | null, name: string, options?: IpcOptions): number | null {
  if (text === null) return null;
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) <= 0 || !Number.isSafeInteger(Number(trimmed))) {
    loggerOf(options).warn(
      `${name}: ignored, not a positive decimal number: ${JSON.stringify(trimmed.slice(0, 40))}`,
    );
    return null;
  }
  return Number(trimmed);
}

export async function writePidFile(dir: string, pid: number = process.pid): Promise<void> {
  await writeFileAtomic(join(dir, FILE_NAMES.pid), String(pid));
}

export async function readPidFile(dir: string, options?: IpcOptions): Promise<number | null> {
  return parseDecimal(await readText(join(dir, FILE_NAMES.pid)), FILE_NAMES.pid, options);
}

export function readPidFileSync(dir: string, options?: IpcOptions): number | null {
  return parseDecimal(readTextSync(join(dir, FILE_NAMES.pid)), FILE_NAMES.pid, options);
}

/** Removes the pid file; with `onlyIfPid`, only when it still names that pid. */
export async function removePidFile(dir: string, onlyIfPid?: number): Promise<void> {
  if (onlyIfPid !== undefined && (await readPidFile(dir)) !== onlyIfPid) return;
  await removeFile(join(dir, FILE_NAMES.pid));
}

export async function writeControlPort(dir: string, port: number): Promise<void> {
  await writeFileAtomic(join(dir, FILE_NAMES.controlPort), String(port));
}

export async function readControlPort(dir: string, options?: IpcOptions): Promise<number | null> {
  const port = parseDecimal(
    await readText(join(dir, FILE_NAMES.controlPort)),
    FILE_NAMES.controlPort,
    options,
  );
  return port !== null && port <= 65535 ? port : null;
}

export async function removeControlPort(dir: string): Promise<void> {
  await removeFile(join(dir, FILE_NAMES.controlPort));
}
