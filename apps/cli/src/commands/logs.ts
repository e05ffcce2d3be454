import { closeSync, existsSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES } from '@comfyvisor/ipc-files';
import { metadataOf, resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { followUntilStopped, openOrNull } from '../follow-file.ts';

const BLOCK = 64 * 1024;

/** The last `count` lines of the file open at `fd` (up to `size`), read backwards block by block. */
export function lastLines(fd: number, size: number, count: number): Buffer {
  if (count === 0 || size === 0) return Buffer.alloc(0);
  const blocks: Buffer[] = [];
  let start = size;
  let newlines = 0;
  while (start > 0) {
    const length = Math.min(BLOCK, start);
    start -= length;
    const block = Buffer.alloc(length);
    readSync(fd, block, 0, length, start);
    blocks.unshift(block);
    // a file ending in a newline has `count + 1` of them around its last `count` lines
    for (const byte of block) if (byte === 0x0a) newlines++;
    if (newlines > count) break;
  }
  const text = Buffer.concat(blocks);
  let seen = 0;
  let cut = 0;
  for (let i = text.length - 2; i >= 0; i--) {
    if (text[i] === 0x0a && ++seen === count) {
      cut = i + 1;
      break;
    }
  }
  return text.subarray(cut);
}

export interface LogsOptions {
  workspace?: string;
  follow?: boolean;
  /** Validated by commander (numberOption). @default 100 */
  lines?: number;
  supervisor?: boolean;
}

/** `comfyvisor logs [-f]`: ComfyUI's output as kept by the supervisor (or the supervisor's own log). */
export async function logsCommand(options: LogsOptions): Promise<number> {
  const dir = metadataOf(resolveWorkspace(options.workspace));
  const file = join(dir, options.supervisor ? FILE_NAMES.log : FILE_NAMES.comfyuiLog);
  const count = options.lines ?? 100;
  if (!existsSync(file) && !options.follow) throw new UserError(`no log yet: ${file}`);
  // One descriptor for the tail and the follow, so a rotation in between loses nothing.
  let fd: number | null = null;
  let size = 0;
  try {
    fd = openOrNull(file);
    if (fd === null) throw new Error('not a readable regular file');
    size = fstatSync(fd).size;
    process.stdout.write(lastLines(fd, size, count));
  } catch {
    if (fd !== null) closeSync(fd);
    fd = null;
    if (!options.follow) throw new UserError(`cannot read ${file} (not a readable regular file)`);
    process.stderr.write(`comfyvisor: ${file} is not there yet; waiting for it\n`);
  }
  if (!options.follow) {
    if (fd !== null) closeSync(fd);
    return 0;
  }
  await followUntilStopped(file, {
    fd: fd ?? undefined,
    from: size,
    onData: (chunk) => process.stdout.write(chunk),
    onNotice: (message) => process.stderr.write(`comfyvisor: ${message}\n`),
  });
  return 0;
}
