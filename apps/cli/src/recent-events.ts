import { join } from 'node:path';
import { FILE_NAMES, readRegularFile } from '@comfyvisor/ipc-files';
import type { EventLine } from './event-text.ts';

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

const MAX_FILE_BYTES = 64 * 1024 * 1024;
const DAY_MS = 86_400_000;
const EVENTS_BASE = FILE_NAMES.events.replace(/\.jsonl$/, '');

function parse(line: string): EventLine | null {
  try {
    const e = JSON.parse(line) as EventLine | null;
    return e && typeof e === 'object' && typeof e.time === 'number' && typeof e.type === 'string' ? e : null;
  } catch {
    return null;
  }
}

/**
 * Counts restarts, crashes and hangs of the last `windowMs` and finds the last exit, reading the
 * events files newest first and stopping as soon as both are known: usually only `events.jsonl`.
 * Only lines that can matter are parsed. Never throws.
 */
export async function readRecentEvents(
  dir: string,
  options: { now?: number; windowMs?: number; maxRotated?: number } = {},
): Promise<RecentEvents> {
  const windowMs = options.windowMs ?? DAY_MS;
  const sinceS = ((options.now ?? Date.now()) - windowMs) / 1000;
  const result: RecentEvents = {
    window_hours: windowMs / 3_600_000,
    restarts: 0,
    restarts_by_reason: {},
    crashes: 0,
    hangs: 0,
    last_exit: null,
    skipped: 0,
  };
  const names: string[] = [FILE_NAMES.events];
  for (let n = 1; n <= (options.maxRotated ?? 10); n++) names.push(`${EVENTS_BASE}.${n}.jsonl`);
  for (const name of names) {
    const read = await readRegularFile(join(dir, name), MAX_FILE_BYTES);
    if (read.kind === 'missing') break;
    if (read.kind === 'invalid') {
      result.skipped++;
      continue;
    }
    const lines = read.text.split('\n');
    let crossed = false;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i] as string;
      if (line.trim() === '') continue;
      const matters =
        line.includes('"restart"') || line.includes('"comfyui_exit"') || line.includes('"hung"');
      // The first line of a file tells whether the window reaches into the older files.
      if (!matters && i !== 0) continue;
      const e = parse(line);
      if (!e) {
        result.skipped++;
        continue;
      }
      const inWindow = e.time >= sinceS;
      if (!inWindow) crossed = true;
      if (e.type === 'comfyui_exit' && result.last_exit === null)
        result.last_exit = {
          time: e.time,
          env: String(e.env ?? ''),
          code: typeof e.code === 'number' ? e.code : null,
          signal: typeof e.signal === 'string' ? e.signal : null,
          meaning: String(e.meaning ?? 'unknown'),
        };
      if (!inWindow) continue;
      if (e.type === 'restart') {
        result.restarts++;
        const reason = String(e.reason ?? 'unknown');
        result.restarts_by_reason[reason] = (result.restarts_by_reason[reason] ?? 0) + 1;
      } else if (e.type === 'comfyui_exit' && e.meaning === 'crash') result.crashes++;
      else if (e.type === 'hung') result.hangs++;
    }
    if (crossed && result.last_exit !== null) break;
  }
  return result;
}
