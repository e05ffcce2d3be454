import { fakeClock } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger, testSettings } from '../../test/fakes.ts';
import type { ComfyuiProcess } from '../comfyui-process.ts';
import type { ComfyuiWork } from '../comfyui-work.ts';
import type { CoreParts } from '../core-parts.ts';
import type { Settings } from '../settings.ts';
import type { SupervisorCommand } from '../supervisor-command.ts';
import { Watchdogs } from './watchdog-loop.ts';

const FATAL = 'CUDA error: an illegal memory access was encountered';
const made: Watchdogs[] = [];
afterEach(() => {
  for (const dogs of made.splice(0)) dogs.stopped(); // no loop outlives its test
});

function setup(settings: Partial<Settings> = {}) {
  const clock = fakeClock(1_000);
  const wall = { t: new Date(2026, 0, 10, 3, 59, 50).getTime() };
  const parts = {
    deps: { settings: { ...testSettings, ...settings } },
    world: { clock, wallNow: () => wall.t, platform: 'linux', env: {}, pid: 1 },
    logger: recordingLogger(),
    record: () => {},
  } as unknown as CoreParts;
  const work = {
    busy: false,
    watch: { last: { running: [], pending: [] as unknown[] } },
    free: vi.fn(async () => true),
  };
  const sent: SupervisorCommand[] = [];
  const dogs = new Watchdogs(parts, work as unknown as ComfyuiWork, (c) => sent.push(c));
  made.push(dogs);
  return { clock, wall, work, sent, dogs };
}

/** A running ComfyUI whose exit the test decides. */
function fakeProc(pid = 4242) {
  let exit: (e: { code: number; signal: null }) => void = () => {};
  const exited = new Promise<{ code: number; signal: null }>((resolve) => {
    exit = resolve;
  });
  const proc = { pid, running: true, exited } as unknown as ComfyuiProcess & { running: boolean };
  return {
    proc,
    exit: () => {
      proc.running = false;
      exit({ code: 0, signal: null });
    },
  };
}

describe('Watchdogs', () => {
  it('a fatal line asks once for a forced restart with the line; the next ComfyUI gets a fresh matcher', () => {
    const { dogs, sent } = setup();
    const a = fakeProc();
    dogs.started(a.proc);
    dogs.feed(Buffer.from(`loading\n${FATAL}\n`));
    dogs.feed(Buffer.from(`${FATAL}\n`));
    expect(sent).toEqual([
      { command: 'restart', force: true, reason: 'fatal_output', detail: { line: FATAL } },
    ]);
    dogs.started(fakeProc(4243).proc);
    dogs.feed(Buffer.from(`${FATAL}\n`));
    expect(sent).toHaveLength(2);
  });

  it('nothing ticks when no sampled watchdog is on (the fatal matcher needs no loop)', async () => {
    const { dogs, clock } = setup();
    dogs.started(fakeProc().proc);
    await new Promise((resolve) => setImmediate(resolve));
    expect(dogs.ticking).toBe(false);
    expect(clock.sleeps).toEqual([]);
  });

  it('restart_daily_at asks once per listed time, however many ticks follow; the loop ends with ComfyUI', async () => {
    const { dogs, sent, wall, clock } = setup({ restartDailyAt: ['04:00'], watchdogIntervalMs: 5_000 });
    const a = fakeProc();
    dogs.started(a.proc);
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(2));
    expect(sent).toEqual([]);
    wall.t += 15_000; // 04:00:05
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    const ticks = clock.sleeps.length;
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(ticks + 3));
    expect(sent).toEqual([{ command: 'restart', reason: 'schedule', detail: { at: '04:00' } }]);
    // on the interval's beat (liveness shares it): from 1 s to 5 s, then every 5 s
    expect(clock.sleeps[0]).toBe(4_000);
    expect(new Set(clock.sleeps.slice(1))).toEqual(new Set([5_000]));
    a.exit();
    await a.proc.exited;
    await new Promise((resolve) => setImmediate(resolve));
    const after = clock.sleeps.length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.sleeps.length).toBe(after);
  });

  it('idle_free_s: /free once per idle spell after a prompt, never while one runs or waits', async () => {
    const { dogs, work, clock } = setup({ idleFreeMs: 1_000, watchdogIntervalMs: 60_000 });
    dogs.started(fakeProc().proc);
    // a ComfyUI just started has nothing loaded: no /free however long it idles
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(3));
    expect(work.free).not.toHaveBeenCalled();
    // the interval is capped at 10 s: the beat at 10 s, then every 10 s
    expect(clock.sleeps[0]).toBe(9_000);
    expect(new Set(clock.sleeps.slice(1))).toEqual(new Set([10_000]));
    work.busy = true;
    dogs.feed(Buffer.from('got prompt\n'));
    const busyFrom = clock.sleeps.length;
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(busyFrom + 3));
    expect(work.free).not.toHaveBeenCalled();
    work.busy = false;
    await vi.waitFor(() => expect(work.free).toHaveBeenCalledTimes(1));
    const freedAt = clock.sleeps.length;
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThan(freedAt + 3));
    expect(work.free).toHaveBeenCalledTimes(1);
    // a short prompt between two looks still counts
    dogs.feed(Buffer.from('got prompt\nPrompt executed in 0.1 seconds\n'));
    await vi.waitFor(() => expect(work.free).toHaveBeenCalledTimes(2));
  });

  it('view: limits as set (null when off), figures null before any sample', () => {
    const { dogs } = setup({ restartRssBytes: 2 ** 30 });
    expect(dogs.view()).toEqual({
      rssBytes: null,
      gpuBytes: null,
      rssLimitBytes: 2 ** 30,
      vramLimitBytes: null,
    });
  });
});
