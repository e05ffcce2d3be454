import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeValue, JSON_MAX_DEPTH, jsonTooDeep } from './bounded-text.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { APPEND_FLAGS, rotateFiles } from './rotate-files.ts';
import { readRegularFile } from './safe-read.ts';
import { setAsideIfNotRegular } from './set-aside.ts';

/** One line of `events.jsonl`, as on the wire: `time` is float seconds since the epoch. */
export interface SupervisorEvent {
  time: number;
  type: string;
  [key: string]: unknown;
}

export interface AppendEventOptions {
  /** Rotate when the file would grow past this. @default 1 MiB */
  maxBytes?: number | undefined;
  /** Rotated files kept (`events.1.jsonl` newest … `events.<keep>.jsonl` oldest). @default 3 */
  keep?: number | undefined;
  /** ms since the epoch. @default Date.now */
  now?: (() => number) | undefined;
  /** Told why an append was dropped (appendEvent itself never throws). */
  onError?: ((error: unknown) => void) | undefined;
}

/** A longer line is replaced by a bounded description of the event. */
const MAX_LINE_BYTES = 16 * 1024;
/** readEvents reads at most this much in all, newest file first (the supervisor writes far less). */
const MAX_READ_BYTES = 64 * 1024 * 1024;
/** A longer line is skipped unparsed (the writer's lines are at most MAX_LINE_BYTES). */
export const MAX_READ_LINE = 1024 * 1024;
const FLOAT_KEYS: ReadonlySet<string> = new Set(['time']);
const EVENTS_BASE = FILE_NAMES.events.replace(/\.jsonl$/, '');

function rotatedName(n: number): string {
  return `${EVENTS_BASE}.${n}.jsonl`;
}

function toLine(event: { type: string; [k: string]: unknown }, timeS: number): string {
  const { type, time: _ignored, ...rest } = event;
  try {
    const line = toPythonJson({ time: timeS, type: String(type), ...rest }, null, FLOAT_KEYS);
    if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return `${line}\n`;
  } catch {
    // a cycle or a nesting too deep for the encoder: described instead
  }
  return `${toPythonJson({ time: timeS, type: String(type).slice(0, 100), truncated: describeValue(rest, 1000) }, null, FLOAT_KEYS)}\n`;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Appends one event as one line `{"time": <float s>, "type": ..., ...}` to `.metadata/events.jsonl`
 * with a single write on an `O_APPEND` descriptor (a crash mid-write can only damage this line,
 * never earlier ones; readers skip a damaged line). When the file would grow past `maxBytes` it is
 * rotated first. Appends of one process are serialised. Never throws.
 */
export async function appendEvent(
  dir: string,
  event: { type: string; [k: string]: unknown },
  options: AppendEventOptions = {},
): Promise<void> {
  const line = toLine(event, (options.now ?? Date.now)() / 1000);
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous
    .then(() => appendLine(dir, line, options))
    .catch((error: unknown) => {
      try {
        options.onError?.(error);
      } catch {
        // the caller's report failed: the event is dropped all the same
      }
    });
  queues.set(dir, next);
  await next;
  if (queues.get(dir) === next) queues.delete(dir);
}

async function appendLine(dir: string, line: string, options: AppendEventOptions): Promise<void> {
  const path = join(dir, FILE_NAMES.events);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = options.keep ?? 3;
  const flags = constants.O_RDWR | APPEND_FLAGS;
  await setAsideIfNotRegular(path); // a directory, FIFO or symlink there would swallow every event
  let handle = await open(path, flags, 0o644);
  try {
    const info = await handle.stat();
    if (!info.isFile()) return;
    let size = info.size;
    if (size > 0 && size + Buffer.byteLength(line) > maxBytes) {
      await handle.close();
      rotateFiles(path, (n) => join(dir, rotatedName(n)), keep);
      handle = await open(path, flags, 0o644);
      size = (await handle.stat()).size;
    }
    // A line left without its newline by a crash: start ours on a line of its own.
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    await handle.write(size > 0 && last[0] !== 0x0a ? `\n${line}` : line);
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * One line of events.jsonl, or null when it is damaged: not an object with a finite `time` and a
 * string `type`, nested too deep to print again, or longer than any line the writer makes (1 MiB).
 */
export function parseEvent(line: string): SupervisorEvent | null {
  if (line.length > MAX_READ_LINE || jsonTooDeep(line, JSON_MAX_DEPTH)) return null;
  try {
    const value = JSON.parse(line) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const event = value as SupervisorEvent;
    return typeof event.time === 'number' && Number.isFinite(event.time) && typeof event.type === 'string'
      ? event
      : null;
  } catch {
    return null;
  }
}

/**
 * Reads the events, oldest first: the rotated files (highest number first), then the current one.
 * Damaged or truncated lines (a crash mid-write, a hand edit) are skipped and counted. `sinceMs`
 * keeps events at or after that time; `limit` keeps the newest `limit`. Files are read newest
 * first and only as far back as needed (`limit` reached, or a file starting before `sinceMs`), and
 * never more than 64 MiB in all: an older file past that counts as skipped. Never throws.
 */
export async function readEvents(
  dir: string,
  options: { sinceMs?: number | undefined; limit?: number | undefined } = {},
): Promise<{ events: SupervisorEvent[]; skipped: number }> {
  const { sinceMs } = options;
  const limit = options.limit !== undefined && options.limit >= 0 ? options.limit : undefined;
  const names = await readdir(dir).catch(() => [] as string[]);
  const rotated = names
    .map((name) => /^events\.([1-9]\d{0,5})\.jsonl$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
    .map(rotatedName);
  const newestFirst = [FILE_NAMES.events, ...rotated];
  const files: SupervisorEvent[][] = [];
  let kept = 0;
  let skipped = 0;
  let budget = MAX_READ_BYTES;
  for (const [index, name] of newestFirst.entries()) {
    if (limit !== undefined && kept >= limit) break;
    const read = await readRegularFile(join(dir, name), budget);
    if (read.kind === 'missing') continue;
    if (read.kind === 'invalid') {
      skipped++;
      if (read.reason.startsWith('too large')) {
        skipped += newestFirst.length - index - 1; // past the budget: older files are not read
        break;
      }
      continue;
    }
    budget -= Buffer.byteLength(read.text);
    const events: SupervisorEvent[] = [];
    let startsBefore = false;
    for (const line of read.text.split('\n')) {
      if (line.trim() === '') continue;
      const event = parseEvent(line);
      if (!event) skipped++;
      else if (sinceMs === undefined || event.time * 1000 >= sinceMs) events.push(event);
      else if (events.length === 0) startsBefore = true;
    }
    files.push(events);
    kept += events.length;
    if (startsBefore) break; // older files hold only older events
  }
  const events = files.reverse().flat();
  return {
    events: limit !== undefined ? events.slice(Math.max(0, events.length - limit)) : events,
    skipped,
  };
}
