import { getEventListeners } from 'node:events';
import { fakeClock } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { waitForHealthy } from './wait-for-healthy.ts';

describe('waitForHealthy and a long-lived signal (defect 7: one leaked listener per switch)', () => {
  it('leaves no listener behind on the caller signal, however the wait ends', async () => {
    const lifetime = new AbortController(); // lives as long as a supervisor
    const exits: Array<(code: number) => void> = [];
    for (let i = 0; i < 25; i++) {
      const ending = i % 3;
      const exited = new Promise<number | null>((resolve) => exits.push(resolve));
      const result = waitForHealthy({
        probe: async () => {
          if (ending === 2) exits[i]?.(1);
          return ending === 0;
        },
        exited,
        timeoutMs: ending === 1 ? 300 : 10_000,
        successes: 2,
        signal: lifetime.signal,
        clock: fakeClock(),
      });
      expect(getEventListeners(lifetime.signal, 'abort').length).toBeLessThanOrEqual(1);
      expect(await result).toMatchObject(
        [{ healthy: true }, { reason: 'timeout' }, { reason: 'exited', exitCode: 1 }][ending] as object,
      );
    }
    expect(getEventListeners(lifetime.signal, 'abort')).toEqual([]);
  });

  it('the signal still ends a wait under way, and that wait leaves nothing behind either', async () => {
    const lifetime = new AbortController();
    const result = waitForHealthy({
      probe: () => new Promise(() => {}), // hangs until the abort
      timeoutMs: 10_000,
      signal: lifetime.signal,
      clock: fakeClock(),
    });
    expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(1);
    lifetime.abort();
    expect(await result).toMatchObject({ healthy: false, reason: 'aborted' });
    expect(getEventListeners(lifetime.signal, 'abort')).toEqual([]);
  });
});
