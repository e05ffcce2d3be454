import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import { FILE_NAMES } from './paths.ts';
import { watchFile } from './watch-file.ts';

// Fake timeouts and monotonic clock (the poll and its beat); the burst coalescing runs on a real setImmediate.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets `ms` of fake time pass, then lets the callbacks that polls scheduled with setImmediate run. */
async function elapse(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await new Promise((resolve) => setImmediate(resolve));
}

describe('watchFile without fs.watch (useFsWatch: false)', () => {
  it('polls on each multiple of pollMs and calls back only when the file appeared, changed or went away', async () => {
    const dir = tempMetadataDir();
    const cmd = join(dir, FILE_NAMES.command);
    const onEvent = vi.fn();
    const watcher = watchFile(dir, FILE_NAMES.command, onEvent, {
      useFsWatch: false,
      pollMs: 1000,
      safetyPollMs: 600_000,
    });
    try {
      writeFileSync(cmd, '{"command": "restart"}');
      const toBeat = 1000 - (performance.now() % 1000);
      await elapse(toBeat - 1);
      expect(onEvent).not.toHaveBeenCalled(); // no watch event: nothing before the first poll
      await elapse(1);
      expect(onEvent).toHaveBeenCalledTimes(1); // pollMs, not safetyPollMs: the poll is the only path

      await elapse(10_000);
      expect(onEvent).toHaveBeenCalledTimes(1); // unchanged file, ten polls: no call

      writeFileSync(join(dir, 'unrelated.txt'), 'x');
      await elapse(1000);
      expect(onEvent).toHaveBeenCalledTimes(1); // another file in the folder is not ours

      writeFileSync(cmd, '{"command": "stop"}');
      await elapse(1000);
      expect(onEvent).toHaveBeenCalledTimes(2);

      rmSync(cmd);
      await elapse(1000);
      expect(onEvent).toHaveBeenCalledTimes(3);
    } finally {
      watcher.close();
    }
  });

  it('polls of one period share one timer, which ends with the last of them', async () => {
    const dir = tempMetadataDir();
    const seen: string[] = [];
    const a = watchFile(dir, FILE_NAMES.command, () => seen.push('a'), { useFsWatch: false, pollMs: 1000 });
    const b = watchFile(dir, FILE_NAMES.pid, () => seen.push('b'), { useFsWatch: false, pollMs: 1000 });
    expect(vi.getTimerCount()).toBe(1);
    writeFileSync(join(dir, FILE_NAMES.command), '{"command": "restart"}');
    writeFileSync(join(dir, FILE_NAMES.pid), '123');
    await elapse(1000);
    expect(seen.sort()).toEqual(['a', 'b']);
    a.close();
    expect(vi.getTimerCount()).toBe(1);
    b.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() stops the poll: a later change calls nothing and no timer is left', async () => {
    const dir = tempMetadataDir();
    const cmd = join(dir, FILE_NAMES.command);
    const onEvent = vi.fn();
    const watcher = watchFile(dir, FILE_NAMES.command, onEvent, { useFsWatch: false, pollMs: 50 });
    expect(vi.getTimerCount()).toBe(1);
    watcher.close();
    expect(vi.getTimerCount()).toBe(0);
    writeFileSync(cmd, '{"command": "restart"}');
    await elapse(1000);
    expect(onEvent).not.toHaveBeenCalled();
  });
});
