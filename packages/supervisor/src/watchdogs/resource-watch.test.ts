import { describe, expect, it } from 'vitest';
import { MIB, parseComputeApps } from './gpu-sampler.ts';
import { createResourceWatch, judgeResource, type ResourceReading } from './resource-watch.ts';

function scripted(readings: ResourceReading[]) {
  const clock = { t: 0, now: () => clock.t };
  const reads: number[] = [];
  const read = async () => {
    reads.push(clock.t);
    return readings.shift() ?? null;
  };
  return { clock, reads, read };
}

describe('memory and VRAM decision', () => {
  it('over only when a limit is set and the figure is above it', () => {
    expect(judgeResource(101 * MIB, 100 * MIB)).toEqual({
      kind: 'over',
      bytes: 101 * MIB,
      limitBytes: 100 * MIB,
    });
    expect(judgeResource(100 * MIB, 100 * MIB)).toEqual({ kind: 'ok', bytes: 100 * MIB });
    expect(judgeResource(10 ** 12, 0)).toEqual({ kind: 'ok', bytes: 10 ** 12 });
  });

  it('reads at most once per interval (default 5 s), however often it is ticked', async () => {
    const { clock, reads, read } = scripted([1, 2, 3, 4]);
    const watch = createResourceWatch({ limitBytes: 0, read, now: clock.now });
    const verdicts = [];
    for (clock.t = 0; clock.t <= 12_000; clock.t += 1000) verdicts.push((await watch.tick()).kind);
    expect(reads).toEqual([0, 5000, 10_000]);
    expect(verdicts.filter((k) => k === 'ok')).toHaveLength(3);
    expect(watch.lastBytes).toBe(3);
  });

  it('a tick a little early on its beat still reads (a tenth of the interval, at most 1 s)', async () => {
    const { clock, reads, read } = scripted([1, 2, 3, 4]);
    const watch = createResourceWatch({ limitBytes: 0, read, now: clock.now, intervalMs: 10_000 });
    for (const t of [2, 10_001, 19_999, 28_998, 29_001]) {
      clock.t = t;
      await watch.tick();
    }
    expect(reads).toEqual([2, 10_001, 19_999, 29_001]);
  });

  it('a figure over the limit is reported with the figure; a missing one is unknown', async () => {
    const { clock, read } = scripted([50 * MIB, null, 150 * MIB]);
    const watch = createResourceWatch({ limitBytes: 100 * MIB, read, now: clock.now, intervalMs: 10 });
    expect(await watch.tick()).toEqual({ kind: 'ok', bytes: 50 * MIB });
    clock.t = 10;
    expect(await watch.tick()).toEqual({ kind: 'unknown' });
    expect(watch.lastBytes).toBeNull();
    clock.t = 20;
    expect(await watch.tick()).toEqual({ kind: 'over', bytes: 150 * MIB, limitBytes: 100 * MIB });
  });

  it('a reader that is unavailable turns the watch off for good: nothing is read again', async () => {
    const { clock, reads, read } = scripted(['unavailable', 5]);
    const watch = createResourceWatch({ limitBytes: 1, read, now: clock.now });
    expect(await watch.tick()).toEqual({ kind: 'off' });
    clock.t = 60_000;
    expect(await watch.tick()).toEqual({ kind: 'off' });
    expect(reads).toHaveLength(1);
  });

  it('no second read while one is under way; a reader that throws is unknown, never a throw', async () => {
    let release: (v: number) => void = () => {};
    let calls = 0;
    const clock = { t: 0 };
    const watch = createResourceWatch({
      limitBytes: 0,
      now: () => clock.t,
      intervalMs: 1,
      read: () => {
        calls++;
        if (calls === 2) throw new Error('ps failed');
        return new Promise<number>((resolve) => {
          release = resolve;
        });
      },
    });
    const first = watch.tick();
    clock.t = 100;
    expect(await watch.tick()).toEqual({ kind: 'wait' });
    release(7);
    expect(await first).toEqual({ kind: 'ok', bytes: 7 });
    clock.t = 200;
    expect(await watch.tick()).toEqual({ kind: 'unknown' });
    expect(calls).toBe(2);
  });

  it('reset (a new ComfyUI) drops the figure and reads at the next tick', async () => {
    const { clock, reads, read } = scripted([1, 2]);
    const watch = createResourceWatch({ limitBytes: 0, read, now: clock.now });
    await watch.tick();
    clock.t = 1000;
    watch.reset();
    expect(watch.lastBytes).toBeNull();
    expect(await watch.tick()).toEqual({ kind: 'ok', bytes: 2 });
    expect(reads).toEqual([0, 1000]);
  });
});

describe('nvidia-smi compute apps', () => {
  it("sums only ComfyUI's pids, in bytes = MiB × 1048576 exactly", () => {
    const text = '4242, 10240\n4243, 512\n999, 70000\n';
    expect(parseComputeApps(text, new Set([4242, 4243]))).toEqual({ bytes: 10752 * 1048576, processes: 2 });
    expect(parseComputeApps(text, new Set([1]))).toEqual({ bytes: 0, processes: 0 });
  });

  it('skips what is not "<pid>, <MiB>": headers, [N/A], blank lines, CRLF', () => {
    const text = 'pid, used_gpu_memory [MiB]\r\n7, [N/A]\r\n7, [Not Supported]\r\n\r\n7, 100\r\n8,200\n';
    expect(parseComputeApps(text, new Set([7, 8]))).toEqual({ bytes: 300 * MIB, processes: 2 });
    expect(parseComputeApps('', new Set([7]))).toEqual({ bytes: 0, processes: 0 });
  });
});
