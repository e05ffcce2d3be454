import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, metadataDir, readEvents } from '@comfyvisor/ipc-files';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { MemoryRecorder, readAvailability } from './dashboard-history.ts';
import { createDashboardReader, timelineEntry } from './dashboard-state.ts';
import type { DashboardState, HistoryMessage } from './dashboard-wire.ts';

export interface DashboardStreamOptions {
  /** A look at the files and the supervisor every this many ms, beside the folder watch. @default 250 */
  intervalMs?: number | undefined;
  /** Events sent when a page connects. @default 200 */
  historyLimit?: number | undefined;
  /** A comment line this often keeps proxies from closing a quiet stream. @default 15000 */
  keepAliveMs?: number | undefined;
  /** ComfyUI's memory is recorded at most this often (from the `/health` read for the state). @default 5000 */
  memoryEveryMs?: number | undefined;
  /** ms since the epoch. @default Date.now */
  now?: (() => number) | undefined;
}

/** The newest events the page has not seen: those after `time`, less the `sameTime` already sent at it. */
class HistoryCursor {
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

  async read(limit?: number) {
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

/**
 * `GET /v2/comfygit/dashboard/stream`: server-sent events for the dashboard, so the page never
 * polls. `state` (a DashboardState) whenever it changes; `availability` on connect, a week of the
 * events the history pictures are drawn from; `history` with the timeline: the last events on
 * connect (`reset: true`), then each new one as it is appended to events.jsonl; `memory`:
 * ComfyUI's memory over the last hour, then each new sample.
 * The bridge looks when the .metadata folder changes and every `intervalMs`, for as long as the
 * page is connected.
 */
export function dashboardStream(workspace: string, options: DashboardStreamOptions = {}) {
  const dir = metadataDir(workspace);
  const now = options.now ?? Date.now;
  const memory = new MemoryRecorder(options.memoryEveryMs);
  return (c: Context) => {
    // nginx passes the events on as they come, not when its buffer fills
    c.header('X-Accel-Buffering', 'no');
    c.header('Cache-Control', 'no-cache');
    return streamSSE(c, async (stream) => {
      const read = createDashboardReader(workspace);
      const cursor = new HistoryCursor(dir);
      let last = '';
      let lastSent = Date.now();
      let wake: (() => void) | null = null;
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      let watcher: ReturnType<typeof watch> | null = null;
      try {
        watcher = watch(dir, () => wake?.());
        watcher.on('error', () => {});
      } catch {
        // no folder watch: the interval does it
      }
      const send = async (event: string, data: unknown) => {
        await stream.writeSSE({ event, data: JSON.stringify(data) });
        lastSent = Date.now();
      };
      try {
        await cursor.changed();
        await send('availability', await readAvailability(dir, now()));
        const memoryFeed = memory.feed();
        const first = await cursor.read(options.historyLimit ?? 200);
        await send('history', {
          reset: true,
          skipped: first.skipped,
          events: first.events.map(timelineEntry),
        } satisfies HistoryMessage);
        while (!closed) {
          const state: DashboardState = await read();
          const text = JSON.stringify(state);
          if (text !== last) {
            last = text;
            await send('state', state);
          }
          const memoryMessage = memoryFeed(state.health, now());
          if (memoryMessage) await send('memory', memoryMessage);
          if (await cursor.changed()) {
            const next = await cursor.read();
            if (next.events.length > 0)
              await send('history', {
                reset: false,
                skipped: next.skipped,
                events: next.events.map(timelineEntry),
              } satisfies HistoryMessage);
          }
          if (Date.now() - lastSent > (options.keepAliveMs ?? 15_000)) {
            await stream.write(': keep-alive\n\n');
            lastSent = Date.now();
          }
          if (closed) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, options.intervalMs ?? 250);
            wake = () => {
              clearTimeout(timer);
              // a burst of folder changes is read once, a moment later
              setTimeout(resolve, 20);
            };
          });
          wake = null;
        }
      } catch {
        // the page went away mid-write, or a read failed: the page's EventSource reconnects
      } finally {
        watcher?.close();
      }
    });
  };
}
