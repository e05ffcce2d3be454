import { parseDailyTime } from '@comfyvisor/ipc-files';

/**
 * `restart_daily_at`: local times of day at which ComfyUI is restarted (after a drain). Each listed
 * time fires once per day. The wall clock may jump either way (NTP, a person, a suspended VM, a DST
 * change); neither may cause a second firing:
 * - each firing is remembered by its local date and time of day, so an occurrence met again after
 *   the clock went back does not fire again (a DST fall-back's repeated hour included);
 * - a jump forward over one or more occurrences fires once, not once per skipped occurrence;
 * - occurrences before the schedule was made do not fire (a restart at 04:00:30 of a supervisor
 *   started at 04:00:10 does not fire 04:00).
 * Poll `check()` on the watchdog tick (every few seconds): a timer alone would drift with the wall
 * clock, since timers run on the monotonic one. `nextDueAt()` says when, for status pages.
 */
export interface DailySchedule {
  /** The listed time (as written) due now, at most one per call; null when none is due. */
  check(): string | null;
  /** ms since the epoch of the next occurrence that would fire, or null when nothing is listed. */
  nextDueAt(): number | null;
}

export interface DailyScheduleOptions {
  /** Wall clock, ms since the epoch; read as local time. @default Date.now */
  now?: (() => number) | undefined;
}

interface Slot {
  text: string;
  seconds: number;
}

interface Occurrence {
  at: number;
  key: string;
}

/** Firings remembered per listed time: a clock set back further than this many days may fire again. */
const REMEMBERED_PER_TIME = 8;

function occurrenceOn(day: Date, offsetDays: number, seconds: number): Occurrence {
  const y = day.getFullYear();
  const m = day.getMonth();
  const d = day.getDate() + offsetDays;
  const at = new Date(
    y,
    m,
    d,
    Math.floor(seconds / 3600),
    Math.floor(seconds / 60) % 60,
    seconds % 60,
  ).getTime();
  const date = new Date(y, m, d); // normalises the day (d may be 0 or 32)
  return { at, key: `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}@${seconds}` };
}

/** The latest occurrence of `seconds` at or before `now`. */
function latestOccurrence(now: number, seconds: number): Occurrence {
  const today = occurrenceOn(new Date(now), 0, seconds);
  return today.at <= now ? today : occurrenceOn(new Date(now), -1, seconds);
}

export function createDailySchedule(
  times: readonly string[],
  options: DailyScheduleOptions = {},
): DailySchedule {
  const now = options.now ?? Date.now;
  const slots: Slot[] = [];
  for (const text of times) {
    const seconds = parseDailyTime(text);
    if (seconds !== null && !slots.some((s) => s.seconds === seconds)) slots.push({ text, seconds });
  }
  const fired = new Map<string, number>(); // key -> occurrence time
  let lastCheck = now();

  const remember = (occurrence: Occurrence) => {
    fired.set(occurrence.key, occurrence.at);
    const limit = REMEMBERED_PER_TIME * slots.length;
    if (fired.size <= limit) return;
    const oldest = [...fired.entries()].sort((a, b) => a[1] - b[1]).slice(0, fired.size - limit);
    for (const [key] of oldest) fired.delete(key);
  };

  return {
    check() {
      const t = now();
      if (t < lastCheck) {
        lastCheck = t; // the clock went back: nothing fires on the jump itself
        return null;
      }
      let due: string | null = null;
      for (const slot of slots) {
        const occurrence = latestOccurrence(t, slot.seconds);
        if (occurrence.at <= lastCheck || fired.has(occurrence.key)) continue;
        remember(occurrence);
        due ??= slot.text; // several due at once (a jump forward): one restart serves them all
      }
      lastCheck = t;
      return due;
    },
    nextDueAt() {
      const t = now();
      let next: number | null = null;
      for (const slot of slots) {
        for (let offset = 0; offset <= 2; offset++) {
          const occurrence = occurrenceOn(new Date(t), offset, slot.seconds);
          if (occurrence.at <= t || fired.has(occurrence.key)) continue;
          if (next === null || occurrence.at < next) next = occurrence.at;
          break;
        }
      }
      return next;
    },
  };
}
