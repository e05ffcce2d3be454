import { join } from 'node:path';
import { EVENT_LINE_MAX_CHARS, FILE_NAMES } from '@comfyvisor/ipc-files';
import type { EventLine } from './event-text.ts';
import { readLinesBackward, type Visit } from './lines-backward.ts';

/** What `comfyvisor status` says about the last day, from `events.jsonl` (wire names). */
export interface RecentEvents {
  /** The window counted, in hours. */
  window_hours: number;
  restarts: number;
  restarts_by_reason: Record<string, number>;
  crashes: number;
  hangs: number;
  /** The newest exit of ComfyUI (in the window or before it), and what the supervisor made of it. */
  last_exit: {
    time: number;
    env: string;
    code: number | null;
    signal: string | null;
    meaning: string;
  } | null;
  /** Lines that could not be read. */
  skipped: number;
}

/** The most `status` reads of the events files in all (newest first); what is older is not read. */
const MAX_READ_BYTES = 64 * 1024 * 1024;
const DAY_MS = 86_400_000;
const EVENTS_BASE = FILE_NAMES.events.replace(/\.jsonl$/, '');
/** `{"time": 1712345678.5, …`: how every line the supervisor writes begins. */
const TIME_PREFIX = /^\{"time": ?(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[,}]/;

function parse(line: string): EventLine | null {
  try {
    const e = JSON.parse(line) as EventLine | null;
    return e && typeof e === 'object' && typeof e.time === 'number' && typeof e.type === 'string' ? e : null;
  } catch {
    return null;
  }
}

function emptyResult(windowMs: number): RecentEvents {
  return {
    window_hours: windowMs / 3_600_000,
    restarts: 0,
    restarts_by_reason: {},
    crashes: 0,
    hangs: 0,
    last_exit: null,
    skipped: 0,
  };
}

/** Counts one event into `result`; true when it is older than the window. */
function count(result: RecentEvents, e: EventLine, sinceS: number): boolean {
  if (e.type === 'comfyui_exit' && result.last_exit === null)
    result.last_exit = {
      time: e.time,
      env: String(e.env ?? ''),
      code: typeof e.code === 'number' ? e.code : null,
      signal: typeof e.signal === 'string' ? e.signal : null,
      meaning: String(e.meaning ?? 'unknown'),
    };
  if (e.time < sinceS) return true;
  if (e.type === 'restart') {
    result.restarts++;
    const reason = String(e.reason ?? 'unknown');
    result.restarts_by_reason[reason] = (result.restarts_by_reason[reason] ?? 0) + 1;
  } else if (e.type === 'comfyui_exit' && e.meaning === 'crash') result.crashes++;
  else if (e.type === 'hung') result.hangs++;
  return false;
}

/**
 * Counts restarts, crashes and hangs of the last `windowMs` and finds the last exit, reading the
 * events files newest first, each from its end, and stopping as soon as both are known: usually
 * after the last few lines of `events.jsonl`. Only lines that can matter are parsed (and a line
 * whose time says it is older than the window). At most `maxBytes` are read in all, in blocks: a
 * huge history costs neither time nor memory. Never throws.
 */
export async function readRecentEvents(
  dir: string,
  options: { now?: number; windowMs?: number; maxRotated?: number; maxBytes?: number } = {},
): Promise<RecentEvents> {
  const windowMs = options.windowMs ?? DAY_MS;
  const sinceS = ((options.now ?? Date.now()) - windowMs) / 1000;
  const result = emptyResult(windowMs);
  let budget = options.maxBytes ?? MAX_READ_BYTES;
  let crossed = false;
  const visit = (line: string, first: boolean): Visit => {
    if (line.trim() === '') return 'more';
    const matters = line.includes('"restart"') || line.includes('"comfyui_exit"') || line.includes('"hung"');
    const prefix = TIME_PREFIX.exec(line);
    // The first line of a file, or one that says it is older: does the window reach further back?
    if (!matters && !first && !(prefix && Number(prefix[1]) < sinceS)) return 'more';
    const e = parse(line);
    if (!e) {
      if (matters || first) result.skipped++;
      return 'more';
    }
    if (count(result, e, sinceS)) crossed = true;
    return crossed && result.last_exit !== null ? 'stop' : 'more';
  };
  const names: string[] = [FILE_NAMES.events];
  for (let n = 1; n <= (options.maxRotated ?? 10); n++) names.push(`${EVENTS_BASE}.${n}.jsonl`);
  for (const name of names) {
    const read = await readLinesBackward(join(dir, name), visit, { budget, maxLine: EVENT_LINE_MAX_CHARS });
    budget -= read.bytes;
    result.skipped += read.longLines;
    if (read.kind === 'missing' || read.kind === 'stopped') break;
    if (read.kind === 'invalid') result.skipped++;
    if (read.kind === 'budget') {
      result.skipped++; // the rest of this file, and older files, are not read
      break;
    }
    if (crossed && result.last_exit !== null) break;
  }
  return result;
}
