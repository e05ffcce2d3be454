import { appendEvent } from '@comfyvisor/ipc-files';
import type { Logger } from './logger.ts';
import type { RecordEvent, SupervisorEvent } from './supervisor-event.ts';

/** A `RecordEvent` that writes `.metadata/events.jsonl`; `flush()` waits for what is under way. */
export type EventLog = RecordEvent & { flush(): Promise<void> };

export interface EventLogOptions {
  /** Rotate `events.jsonl` past this size (config `events_max_kb`). @default 1 MiB */
  maxBytes?: number | undefined;
  /** Rotated files kept. @default 3 */
  keep?: number | undefined;
  /** Told once, at warn level, when events start being dropped. */
  logger?: Logger | undefined;
  /** ms since the epoch: each line's `time`, taken when the event is recorded. @default Date.now */
  now?: (() => number) | undefined;
  /** Events waiting for the disk beyond this are dropped (a stuck disk must not grow memory). @default 1000 */
  maxPending?: number | undefined;
}

/**
 * Appends each event to `<dir>/events.jsonl` (one line, `{"time": <float s>, "type", ...}`) in the
 * background: recording never throws and never waits for the disk. A failed append is logged once
 * (the first cause), then only counted, until an append works again.
 */
export function createEventLog(dir: string, options: EventLogOptions = {}): EventLog {
  const now = options.now ?? Date.now;
  const maxPending = options.maxPending ?? 1000;
  const pending = new Set<Promise<void>>();
  let failing = false;
  let dropped = 0;

  const failed = (cause: string) => {
    dropped++;
    if (failing) return;
    failing = true;
    options.logger?.warn(`events.jsonl: ${cause}; events are being dropped`);
  };

  const record = ((event: SupervisorEvent) => {
    try {
      if (pending.size >= maxPending) return failed(`${maxPending} events waiting for the disk`);
      let ok = true;
      const write = appendEvent(dir, event, {
        maxBytes: options.maxBytes,
        keep: options.keep,
        now,
        onError: (error) => {
          ok = false;
          failed(String((error as Error)?.message ?? error).slice(0, 200));
        },
      }).then(() => {
        pending.delete(write);
        if (ok && failing) {
          failing = false;
          options.logger?.info(`events.jsonl: writing again (${dropped} events dropped)`);
          dropped = 0;
        }
      });
      pending.add(write);
    } catch (error) {
      failed(String((error as Error)?.message ?? error).slice(0, 200));
    }
  }) as EventLog;
  record.flush = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  return record;
}

/** One `RecordEvent` that hands each event to all of `recorders`; one that throws does not stop the others. */
export function combineRecorders(...recorders: Array<RecordEvent | undefined | null>): RecordEvent {
  const all = recorders.filter((r): r is RecordEvent => typeof r === 'function');
  return (event) => {
    for (const recorder of all) {
      try {
        recorder(event);
      } catch {
        // a recorder's own failure is its own business
      }
    }
  };
}
