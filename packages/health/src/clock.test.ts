import { describe, expect, it } from 'vitest';
import { type Clock, sleepToBeat, systemClock } from './clock.ts';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('systemClock.sleep', () => {
  it('lets sleeps that end at the same millisecond share one timer, and wakes them all', async () => {
    const before = timers();
    const woken: number[] = [];
    const a = sleepToBeat(systemClock, 300).then(() => woken.push(systemClock.now()));
    const b = sleepToBeat(systemClock, 300).then(() => woken.push(systemClock.now()));
    expect(timers() - before).toBe(1);
    await Promise.all([a, b]);
    expect(woken).toHaveLength(2);
    expect(Math.abs((woken[0] as number) - (woken[1] as number))).toBeLessThan(5);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('ends one sleep on its abort and keeps the shared timer for the other; none left once all end', async () => {
    const before = timers();
    const stop = new AbortController();
    let first = false;
    const a = sleepToBeat(systemClock, 300, stop.signal).then(() => {
      first = true;
    });
    const b = sleepToBeat(systemClock, 300);
    stop.abort();
    await a;
    expect(first).toBe(true);
    expect(timers() - before).toBe(1);
    await b;
    expect(timers()).toBeLessThanOrEqual(before);

    const base = timers();
    const alone = new AbortController();
    const c = systemClock.sleep(60_000, alone.signal);
    expect(timers() - base).toBe(1);
    alone.abort();
    expect(timers()).toBe(base);
    await c;
  });

  it('resolves at once for a signal already aborted', async () => {
    const before = timers();
    await systemClock.sleep(60_000, AbortSignal.abort());
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('sleepToBeat', () => {
  function fake(start: number) {
    const slept: number[] = [];
    let t = start;
    const clock: Clock = {
      now: () => t,
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
    };
    return { clock, slept, now: () => t };
  }

  it('sleeps to the next multiple of the period, whenever the loop started', async () => {
    const one = fake(12_345);
    await sleepToBeat(one.clock, 10_000);
    expect(one.now()).toBe(20_000);
    await sleepToBeat(one.clock, 10_000);
    expect(one.now()).toBe(30_000);
    const other = fake(27_001);
    await sleepToBeat(other.clock, 10_000);
    expect(other.now()).toBe(30_000);
  });

  it('skips a beat that is closer than minMs', async () => {
    const c = fake(19_900);
    await sleepToBeat(c.clock, 10_000, undefined, 1_000);
    expect(c.slept).toEqual([10_100]);
    expect(c.now()).toBe(30_000);
  });
});
