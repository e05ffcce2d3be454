import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, readEvents } from '@comfyvisor/ipc-files';

/** Events read from events.jsonl, and how many older ones were left out. */
export type EventsRead = Awaited<ReturnType<typeof readEvents>>;

/** The newest events the page has not seen: those after `time`, less the `sameTime` already sent at it. */
export class HistoryCursor {
  private time = Number.NEGATIVE_INFINITY;
  private sameTime = 0;
  private signature = '';

  constructor(private readonly dir: string) {}

  /** Whether events.jsonl changed since the last look (cheap: one stat). */
  async changed(): Promise<boolean> {
    const info = await stat(join(this.dir, FILE_NAMES.events)).catch(() => null);
    const signature = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'none';
    if (signature === this.signature) return false;
    this.signature = signature;
    return true;
  }

  async read(limit?: number): Promise<EventsRead> {
    const since = Number.isFinite(this.time) ? this.time * 1000 : undefined;
    const { events, skipped } = await readEvents(this.dir, { sinceMs: since, limit });
    let skip = Number.isFinite(this.time) ? this.sameTime : 0;
    const fresh = events.filter((e) => {
      if (e.time < this.time) return false;
      if (e.time === this.time && skip > 0) {
        skip--;
        return false;
      }
      return true;
    });
    for (const e of fresh) {
      if (e.time === this.time) this.sameTime++;
      else {
        this.time = e.time;
        this.sameTime = 1;
      }
    }
    return { events: fresh, skipped };
  }
}
