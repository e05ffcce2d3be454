import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeClock } from './fake-clock.ts';
import { tempWorkspace } from './temp-workspace.ts';

describe('fakeClock', () => {
  it('sleeps take no real time, move now() on and are recorded; advance moves time without a sleep', async () => {
    const clock = fakeClock(100);
    const real = performance.now();
    await clock.sleep(60_000);
    clock.advance(5);
    expect(clock.now()).toBe(60_105);
    expect(clock.sleeps).toEqual([60_000]);
    expect(performance.now() - real).toBeLessThan(1_000);
  });

  it('an aborted sleep returns at once and is not one', async () => {
    const clock = fakeClock();
    await clock.sleep(10, AbortSignal.abort());
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(0);
  });
});

let made = '';
describe('tempWorkspace', () => {
  it('makes .metadata and environments/<env>/.cec (and ComfyUI/ when asked)', () => {
    made = tempWorkspace({ environments: ['a'], comfyui: true });
    expect(existsSync(join(made, '.metadata'))).toBe(true);
    expect(existsSync(join(made, 'environments', 'a', '.cec'))).toBe(true);
    expect(existsSync(join(made, 'environments', 'a', 'ComfyUI'))).toBe(true);
  });

  it('is removed after the test by the shared setup', () => {
    expect(made).not.toBe('');
    expect(existsSync(made)).toBe(false);
  });
});
