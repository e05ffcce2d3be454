import { join } from 'node:path';
import { EVENT_LINE_MAX_CHARS, FILE_NAMES, parseEvent, readEvents } from '@comfyvisor/ipc-files';
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
  // The unfinished last line of what was read; a "line" longer than any the writer makes is
  // dropped as it grows (not kept and re-split on every chunk) and its end skipped when it comes.
  let partial = '';
  let overlong = false;
  const damaged = () => process.stderr.write('comfyvisor: skipped a damaged line in events.jsonl\n');
  await followUntilStopped(join(dir, FILE_NAMES.events), {
    from: 'end',
    rotated: (n) => join(dir, `${FILE_NAMES.events.replace(/\.jsonl$/, '')}.${n}.jsonl`),
    onData: (chunk) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (overlong) {
          overlong = false; // the end of a line already reported
          continue;
        }
        if (line.trim() === '') continue;
        const e = parseEvent(line);
        if (e) print(e);
        else damaged();
      }
      if (partial.length > EVENT_LINE_MAX_CHARS) {
        if (!overlong) damaged();
        overlong = true;
        partial = '';
      }
    },
    onBoundary: () => {
      if (partial.trim() !== '' && !overlong) damaged();
      partial = '';
      overlong = false;
    },
    onNotice: (message) => process.stderr.write(`comfyvisor: ${message}\n`),
  });
  return 0;
}
