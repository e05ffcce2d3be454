import { afterEach, describe, expect, it } from 'vitest';
import { createDailySchedule } from './daily-schedule.ts';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Local time on 2026-03-10 (no DST change near it anywhere). */
const local = (h: number, m = 0, s = 0, day = 10) => new Date(2026, 2, day, h, m, s).getTime();

function wallClock(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

/** Walks the clock to `until` in `step`s, calling check() each time; the times that fired. */
function walk(clock: { t: number }, schedule: { check(): string | null }, until: number, step = 5 * S) {
  const fired: Array<[number, string]> = [];
  while (clock.t < until) {
    clock.t = Math.min(until, clock.t + step);
    const due = schedule.check();
    if (due) fired.push([clock.t, due]);
  }
  return fired;
}

describe('daily schedule (restart_daily_at)', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = savedTz;
  });

  it('fires once per listed time per day, at the first check at or after the time', () => {
    const clock = wallClock(local(3, 59, 50));
    const schedule = createDailySchedule(['04:00', '16:30:15'], clock);
    expect(schedule.nextDueAt()).toBe(local(4));
    const fired = walk(clock, schedule, local(4) + 2 * DAY);
    expect(fired).toEqual([
      [local(4), '04:00'],
      [local(16, 30, 15), '16:30:15'],
      [local(4, 0, 0, 11), '04:00'],
      [local(16, 30, 15, 11), '16:30:15'],
      [local(4, 0, 0, 12), '04:00'],
    ]);
  });

  it('a clock set back over a time that already fired does not fire it again', () => {
    const clock = wallClock(local(3, 59));
    const schedule = createDailySchedule(['04:00'], clock);
    expect(walk(clock, schedule, local(4, 0, 30))).toEqual([[local(4), '04:00']]);
    clock.t = local(3, 58); // NTP, a person, a restored VM
    expect(schedule.check()).toBeNull();
    expect(walk(clock, schedule, local(5))).toEqual([]);
    expect(schedule.nextDueAt()).toBe(local(4, 0, 0, 11));
    clock.t = local(3, 0, 0, 11);
    expect(walk(clock, schedule, local(5, 0, 0, 11))).toEqual([[local(4, 0, 0, 11), '04:00']]);
  });

  it('a clock set back across midnight does not fire the previous evening twice', () => {
    const clock = wallClock(local(23, 50));
    const schedule = createDailySchedule(['23:55'], clock);
    expect(walk(clock, schedule, local(0, 10, 0, 11))).toEqual([[local(23, 55), '23:55']]);
    clock.t = local(23, 50);
    expect(walk(clock, schedule, local(0, 10, 0, 11))).toEqual([]);
  });

  it('a jump forward over several occurrences fires once, not once per skipped one', () => {
    const clock = wallClock(local(1));
    const schedule = createDailySchedule(['02:00', '03:00'], clock);
    clock.t = local(5, 0, 0, 13); // three days later
    expect(schedule.check()).toBe('02:00');
    expect(schedule.check()).toBeNull();
    expect(walk(clock, schedule, local(1, 59, 0, 14))).toEqual([]);
  });

  it('times before the schedule was made do not fire; the same time written twice fires once', () => {
    const clock = wallClock(local(4, 0, 10));
    const schedule = createDailySchedule(['04:00', '04:00:00', '04:00:05', 'bad'], clock);
    expect(walk(clock, schedule, local(12))).toEqual([]);
    expect(walk(clock, schedule, local(4, 0, 4, 11), S)).toEqual([[local(4, 0, 0, 11), '04:00']]);
    expect(walk(clock, schedule, local(4, 1, 0, 11), S)).toEqual([[local(4, 0, 5, 11), '04:00:05']]);
  });

  it('nothing listed: never due', () => {
    const clock = wallClock(local(0));
    const schedule = createDailySchedule([], clock);
    expect(walk(clock, schedule, local(0) + DAY, MIN)).toEqual([]);
    expect(schedule.nextDueAt()).toBeNull();
  });

  it('DST: the repeated hour of a fall-back fires once, the missing hour of a spring-forward once', () => {
    process.env.TZ = 'Europe/Berlin';
    const fallBack = Date.UTC(2026, 9, 24, 23, 0); // 01:00 CEST on 2026-10-25; 03:00 CEST becomes 02:00 CET
    expect(new Date(fallBack).getHours()).toBe(1); // the zone took effect
    const clock = wallClock(fallBack);
    const schedule = createDailySchedule(['02:30'], clock);
    const fired = walk(clock, schedule, fallBack + 4 * HOUR, MIN);
    expect(fired.map(([, text]) => text)).toEqual(['02:30']);
    const springForward = Date.UTC(2026, 2, 28, 23, 0); // 00:00 CET on 2026-03-29; 02:00 CET becomes 03:00 CEST
    const spring = wallClock(springForward);
    const inGap = createDailySchedule(['02:30'], spring);
    expect(walk(spring, inGap, springForward + 5 * HOUR, MIN)).toHaveLength(1);
  });
});
