import { join } from 'node:path';
import { FILE_NAMES, jsonTooDeep, readEvents } from '@comfyvisor/ipc-files';
import { metadataOf, resolveWorkspace } from '../context.ts';
import { type EventLine, formatEvent, parseSince } from '../event-text.ts';
import { followUntilStopped } from '../follow-file.ts';

export interface EventsOptions {
  workspace?: string;
  since?: string;
  json?: boolean;
  follow?: boolean;
  /** ms since the epoch. @default Date.now */
  now?: () => number;
}

/** One line of events.jsonl, judged as readEvents judges it (too deep to print again: damaged). */
function parseLine(line: string): EventLine | null {
  if (jsonTooDeep(line)) return null;
  try {
    const value = JSON.parse(line) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const e = value as EventLine;
    return typeof e.time === 'number' && Number.isFinite(e.time) && typeof e.type === 'string' ? e : null;
  } catch {
    return null;
  }
}

/**
 * `comfyvisor events [--since 1h] [--json] [-f]`: what the supervisor did, one line an event
 * (local time and words; `--json`: the events as JSON lines, as on disk). `-f` keeps printing new
 * events, across a rotation of events.jsonl.
 */
export async function eventsCommand(options: EventsOptions): Promise<number> {
  const sinceMs = options.since !== undefined ? parseSince(options.since) : undefined;
  const dir = metadataOf(resolveWorkspace(options.workspace));
  const print = (e: EventLine) =>
    process.stdout.write(`${options.json ? JSON.stringify(e) : formatEvent(e)}\n`);
  const now = options.now ?? Date.now;
  const { events, skipped } = await readEvents(dir, {
    sinceMs: sinceMs !== undefined ? now() - sinceMs : undefined,
  });
  if (skipped > 0)
    process.stderr.write(
      `comfyvisor: skipped ${skipped} damaged line${skipped === 1 ? '' : 's'} in the events files\n`,
    );
  for (const e of events) print(e);
  if (!options.follow) {
    if (events.length === 0 && !options.json)
      process.stderr.write(`no events${options.since ? ` in the last ${options.since}` : ''}\n`);
    return 0;
  }
  // An event appended between the read above and the follower's start (a few ms) would be missed:
  // events are rare (a few an hour), so that window is left open rather than risking repeats.
  let partial = '';
  await followUntilStopped(join(dir, FILE_NAMES.events), {
    from: 'end',
    rotated: (n) => join(dir, `${FILE_NAMES.events.replace(/\.jsonl$/, '')}.${n}.jsonl`),
    onData: (chunk) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const e = parseLine(line);
        if (e) print(e);
        else process.stderr.write('comfyvisor: skipped a damaged line in events.jsonl\n');
      }
    },
    onBoundary: () => {
      if (partial.trim() !== '') process.stderr.write('comfyvisor: skipped a damaged line in events.jsonl\n');
      partial = '';
    },
    onNotice: (message) => process.stderr.write(`comfyvisor: ${message}\n`),
  });
  return 0;
}
