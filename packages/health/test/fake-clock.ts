import type { Clock } from '../src/clock.ts';

/** A clock whose sleep returns at once and moves time forward: waits take no real time. */
export function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms) {
      now += ms;
    },
  };
}
