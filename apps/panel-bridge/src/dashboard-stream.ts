import { watch } from 'node:fs';
import { metadataDir } from '@comfyvisor/ipc-files';
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { MemoryRecorder, readAvailability } from './dashboard-history.ts';
import { createDashboardReader, timelineEntry } from './dashboard-state.ts';
import type { DashboardState, HistoryMessage } from './dashboard-wire.ts';
import { type EventsRead, HistoryCursor } from './history-cursor.ts';

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

/** What every page's stream shares: the workspace, its .metadata folder, the clock, the memory record. */
interface StreamSource {
  workspace: string;
  dir: string;
  now: () => number;
  memory: MemoryRecorder;
  options: DashboardStreamOptions;
}

/** The pause between looks; a folder change or the page leaving ends it early. */
class Wakeup {
  closed = false;
  private wake: (() => void) | null = null;

  /** Something changed: look again soon (only while pausing). */
  readonly poke = (): void => this.wake?.();

  /** The page went away. */
  close(): void {
    this.closed = true;
    this.poke();
  }

  async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        // a burst of folder changes is read once, a moment later
        setTimeout(resolve, 20);
      };
    });
    this.wake = null;
  }
}

/** One page's stream: sends an event, a state only when it changed, and a keep-alive when quiet. */
class PageStream {
  private lastState = '';
  private lastSent = Date.now();

  constructor(
    private readonly stream: SSEStreamingApi,
    private readonly keepAliveMs: number,
  ) {}

  async send(event: string, data: unknown): Promise<void> {
    await this.stream.writeSSE({ event, data: JSON.stringify(data) });
    this.lastSent = Date.now();
  }

  async sendState(state: DashboardState): Promise<void> {
    const text = JSON.stringify(state);
    if (text === this.lastState) return;
    this.lastState = text;
    await this.send('state', state);
  }

  async sendHistory(reset: boolean, read: EventsRead): Promise<void> {
    const message: HistoryMessage = { reset, skipped: read.skipped, events: read.events.map(timelineEntry) };
    await this.send('history', message);
  }

  async keepAlive(): Promise<void> {
    if (Date.now() - this.lastSent <= this.keepAliveMs) return;
    await this.stream.write(': keep-alive\n\n');
    this.lastSent = Date.now();
  }
}

/** Wakes on changes in the .metadata folder, when it can be watched (else the interval does it). */
function watchFolder(dir: string, onChange: () => void): ReturnType<typeof watch> | null {
  try {
    const watcher = watch(dir, onChange);
    watcher.on('error', () => {});
    return watcher;
  } catch {
    return null;
  }
}

/** The connect messages (availability, the last events), then a look per wakeup until the page goes. */
async function pushUntilClosed(stream: SSEStreamingApi, source: StreamSource, wakeup: Wakeup): Promise<void> {
  const { options, now } = source;
  const read = createDashboardReader(source.workspace);
  const cursor = new HistoryCursor(source.dir);
  const page = new PageStream(stream, options.keepAliveMs ?? 15_000);
  await cursor.changed();
  await page.send('availability', await readAvailability(source.dir, now()));
  const memoryFeed = source.memory.feed();
  await page.sendHistory(true, await cursor.read(options.historyLimit ?? 200));
  while (!wakeup.closed) {
    const state = await read();
    await page.sendState(state);
    const memoryMessage = memoryFeed(state.health, now());
    if (memoryMessage) await page.send('memory', memoryMessage);
    if (await cursor.changed()) {
      const next = await cursor.read();
      if (next.events.length > 0) await page.sendHistory(false, next);
    }
    await page.keepAlive();
    if (wakeup.closed) break;
    await wakeup.pause(options.intervalMs ?? 250);
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
  const source: StreamSource = {
    workspace,
    dir: metadataDir(workspace),
    now: options.now ?? Date.now,
    memory: new MemoryRecorder(options.memoryEveryMs),
    options,
  };
  return (c: Context) => {
    // nginx passes the events on as they come, not when its buffer fills
    c.header('X-Accel-Buffering', 'no');
    c.header('Cache-Control', 'no-cache');
    return streamSSE(c, async (stream) => {
      const wakeup = new Wakeup();
      stream.onAbort(() => wakeup.close());
      const watcher = watchFolder(source.dir, wakeup.poke);
      try {
        await pushUntilClosed(stream, source, wakeup);
      } catch {
        // the page went away mid-write, or a read failed: the page's EventSource reconnects
      } finally {
        watcher?.close();
      }
    });
  };
}
