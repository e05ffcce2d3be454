import { describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../test/memory-store.ts';
import type { Logger } from './logger.ts';
import { StatusReporter } from './status-reporter.ts';

function spyLogger() {
  const fn = () => vi.fn<(message: string) => void>();
  return { debug: fn(), info: fn(), warn: fn(), error: fn() } satisfies Logger;
}

const busy = { state: 'starting', message: 'Starting env2', targetEnv: 'env2', sourceEnv: 'env1' } as const;
const done = {
  state: 'complete',
  message: 'Switched to env2',
  targetEnv: 'env2',
  sourceEnv: 'env1',
} as const;

describe('StatusReporter: the status meant, when the disk cannot take it', () => {
  it('while writes work, /status reads the disk; `last` is the status meant, in wire names', async () => {
    const store = memoryStore();
    const reporter = new StatusReporter(store, spyLogger(), () => 1_700_000_000_500);
    await reporter.write(busy);
    expect(reporter.last).toEqual({
      state: 'starting',
      progress: 60,
      message: 'Starting env2',
      updated_at: 1_700_000_000.5,
      target_env: 'env2',
      source_env: 'env1',
    });
    expect(await reporter.current()).toMatchObject({ state: 'starting', target_env: 'env2' });
  });

  it('a full disk when the switch ends: the stale busy status is removed and /status serves the end', async () => {
    const store = memoryStore();
    const logger = spyLogger();
    const reporter = new StatusReporter(store, logger);
    await reporter.write(busy);
    store.readOnly = true; // every write fails from here; removing still works
    await reporter.write(done);
    expect(await store.readStatusWire()).toBeNull(); // `starting` is gone from the disk
    expect(await reporter.current()).toMatchObject({ state: 'complete', progress: 100, target_env: 'env2' });
    expect(logger.warn.mock.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/^could not write the switch status/),
      'removed the stale switch status "starting" (the switch ended complete)',
    ]);
    // Writable again: the disk is what /status reads once more.
    store.readOnly = false;
    await reporter.write(busy);
    expect(await reporter.current()).toMatchObject({ state: 'starting' });
    expect(logger.info).toHaveBeenCalledWith('the switch status can be written again');
  });

  it('a busy status that cannot be written leaves the older busy one (the panel keeps polling)', async () => {
    const store = memoryStore();
    const reporter = new StatusReporter(store, spyLogger());
    await reporter.write(busy);
    store.readOnly = true;
    await reporter.write({ ...busy, state: 'validating', message: 'Checking env2' });
    expect(await store.readStatusWire()).toMatchObject({ state: 'starting' });
    expect(await reporter.current()).toMatchObject({ state: 'validating', progress: 80 });
  });

  it('a final status already on disk is left alone', async () => {
    const store = memoryStore();
    const reporter = new StatusReporter(store, spyLogger());
    await reporter.write(done);
    store.readOnly = true;
    await reporter.write({ ...done, state: 'rolled_back' });
    expect(await store.readStatusWire()).toMatchObject({ state: 'complete' });
    expect(await reporter.current()).toMatchObject({ state: 'rolled_back' });
  });
});
