import type {
  AvailabilityMessage,
  HistoryMessage,
  MemoryMessage,
  MemorySampleWire,
} from '../dashboard-wire.ts';
import { type AvailabilityEvent, availability, restartsPerHour } from './availability.ts';
import { byId } from './dom.ts';
import { availabilitySvg, memorySvg, restartsSvg } from './history-svg.ts';
import type { DashboardView } from './view.ts';

const HOUR = 3600;
const DAY = 24 * HOUR;
/** The pictures move on with the clock this often. */
const REDRAW_MS = 30_000;

/** Draws the four pictures, ending at the bridge's "now" (our clock plus `skewMs`). */
function drawHistory(events: AvailabilityEvent[], samples: MemorySampleWire[], skewMs: number): void {
  // the bridge's now; never before its newest event (the skew is only as good as the message's trip)
  const now = Math.max((Date.now() + skewMs) / 1000, events.at(-1)?.time ?? 0);
  const width = Math.max(360, Math.min(860, byId('history').clientWidth || 800));
  const day = { from: now - DAY, to: now, width };
  const week = { from: now - 7 * DAY, to: now, width };
  byId('strip-day').innerHTML = availabilitySvg(
    availability(events, day.from, now),
    day,
    'Availability, last 24 hours',
  );
  byId('strip-week').innerHTML = availabilitySvg(
    availability(events, week.from, now),
    week,
    'Availability, last 7 days',
  );
  byId('restarts').innerHTML = restartsSvg(restartsPerHour(events, day.from, now), day);
  byId('memory').innerHTML = memorySvg(samples, { from: now - HOUR, to: now, width });
}

/**
 * History as pictures: the availability strip for the last 24 hours and 7 days, restarts per hour,
 * and ComfyUI's memory over the last hour. Drawn from the `availability` message (a week of events),
 * the new events of `history`, and the `memory` samples.
 */
export function historyView(): DashboardView {
  let events: AvailabilityEvent[] = [];
  let samples: MemorySampleWire[] = [];
  /** The bridge's clock minus ours, so the pictures end at the bridge's "now". */
  let skewMs = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const draw = () => drawHistory(events, samples, skewMs);
  /** A burst of messages is drawn once. */
  const soon = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      draw();
    }, 50);
  };

  return {
    start() {
      setInterval(draw, REDRAW_MS);
    },
    onAvailability(message: AvailabilityMessage) {
      skewMs = message.nowMs - Date.now();
      events = message.events;
      soon();
    },
    onHistory(message: HistoryMessage) {
      // A reset repeats what the `availability` message before it had, but for events appended in between.
      const newest = events.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
      const fresh = message.reset ? message.events.filter((e) => e.time > newest) : message.events;
      if (fresh.length === 0) return;
      events = events.concat(fresh);
      soon();
    },
    onMemory(message: MemoryMessage) {
      const cutoff = (Date.now() + skewMs) / 1000 - HOUR;
      samples = (message.reset ? message.samples : samples.concat(message.samples)).filter(
        (s) => s.time >= cutoff,
      );
      soon();
    },
  };
}
