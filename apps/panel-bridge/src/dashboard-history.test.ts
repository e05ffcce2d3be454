import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { MemoryRecorder, memoryOf, readAvailability } from './dashboard-history.ts';

const health = (memory: unknown) => ({ status: 'alive', comfyui: { pid: 5, running: true, memory } });

describe('the history pictures, server side', () => {
  it("reads a week (and a day before it) of the strip's events, with only the fields it draws", async () => {
    const dir = join(tempWorkspace({ prefix: 'comfyvisor-history-unit-' }), '.metadata');
    const now = 1_700_000_000_000;
    const line = (daysAgo: number, event: Record<string, unknown>) =>
      `${JSON.stringify({ time: (now - daysAgo * 86_400_000) / 1000, ...event })}\n`;
    appendFileSync(
      join(dir, 'events.jsonl'),
      line(9, { type: 'comfyui_start', env: 'old', pid: 1 }) +
        line(7.5, { type: 'comfyui_start', env: 'env1', pid: 2 }) +
        line(2, { type: 'health', env: 'env1', healthy: true, afterMs: 3 }) +
        line(1, { type: 'comfyui_exit', env: 'env1', pid: 2, code: 1, signal: null, meaning: 'crash' }),
    );
    expect(await readAvailability(dir, now)).toEqual({
      nowMs: now,
      events: [
        { type: 'comfyui_start', time: (now - 7.5 * 86_400_000) / 1000, env: 'env1' },
        {
          type: 'comfyui_exit',
          time: (now - 86_400_000) / 1000,
          env: 'env1',
          code: 1,
          signal: null,
          meaning: 'crash',
        },
      ],
    });
  });

  it("takes ComfyUI's memory from /health (snake_case or camelCase); nothing when it is not reported", () => {
    expect(
      memoryOf(health({ rss_bytes: 100, gpu_bytes: null, rss_limit_bytes: 500, vram_limit_bytes: null }), 7),
    ).toEqual({ time: 7, rssBytes: 100, gpuBytes: null, rssLimitBytes: 500, vramLimitBytes: null });
    expect(memoryOf(health({ rssBytes: 1, gpuBytes: 2, rssLimitBytes: -1, vramLimitBytes: 'x' }), 7)).toEqual(
      {
        time: 7,
        rssBytes: 1,
        gpuBytes: 2,
        rssLimitBytes: null,
        vramLimitBytes: null,
      },
    );
    expect(memoryOf(health(undefined), 7)).toBeNull();
    expect(memoryOf(health([1]), 7)).toBeNull();
    expect(memoryOf(health({ rss_bytes: null, gpu_bytes: null }), 7)).toBeNull();
    expect(memoryOf(null, 7)).toBeNull();
  });

  it('records a sample every 5 s at most and keeps the last hour', () => {
    const recorder = new MemoryRecorder(5_000, 3_600_000);
    const h = health({ rss_bytes: 10 });
    for (let ms = 0; ms <= 2 * 3_600_000; ms += 1_000) recorder.offer(h, ms);
    const all = recorder.after(Number.NEGATIVE_INFINITY);
    expect(all).toHaveLength(721);
    expect(all[0]?.time).toBe(3_600);
    expect(all.at(-1)?.time).toBe(7_200);
    expect(recorder.after(7_190).map((s) => s.time)).toEqual([7_195, 7_200]);
  });

  it('feeds each page every sample first, then only new ones', () => {
    const recorder = new MemoryRecorder(5_000);
    recorder.offer(health({ rss_bytes: 1 }), 0);
    const feed = recorder.feed();
    expect(feed(health({ rss_bytes: 2 }), 1_000)).toEqual({
      reset: true,
      samples: [expect.objectContaining({ time: 0, rssBytes: 1 })],
    });
    expect(feed(health({ rss_bytes: 2 }), 2_000)).toBeNull();
    expect(feed(health({ rss_bytes: 3 }), 5_000)).toEqual({
      reset: false,
      samples: [expect.objectContaining({ time: 5, rssBytes: 3 })],
    });
    const late = recorder.feed();
    expect(late(null, 6_000)?.samples).toHaveLength(2);
    expect(new MemoryRecorder().feed()(null, 0)).toEqual({ reset: true, samples: [] });
  });
});
