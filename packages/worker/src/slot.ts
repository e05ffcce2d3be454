import type { Instance, InstanceRuntime, InstanceStatus } from './instance.ts';
import type { InstanceLog } from './instance-log.ts';
import type { InstanceRunner } from './instance-runner.ts';

/** One instance and what runs for it. */
export interface Slot {
  instance: Instance;
  runtime: InstanceRuntime;
  log: InstanceLog;
  runner: InstanceRunner | null;
  /** Settles when the runner's `run()` has ended and its state is recorded. */
  runEnded: Promise<void> | null;
  deploy: { abort: AbortController; done: Promise<unknown> } | null;
  /** Bumped by every start, stop and delete: work of an older generation changes nothing. */
  generation: number;
  removed: boolean;
  /** Told every status change (start waits on them). */
  watchers: Set<(status: InstanceStatus) => void>;
}

export function newSlot(instance: Instance, log: InstanceLog): Slot {
  return {
    instance,
    runtime: { runningSince: null, restarts: 0, lastError: null },
    log,
    runner: null,
    runEnded: null,
    deploy: null,
    generation: 0,
    removed: false,
    watchers: new Set(),
  };
}

export function setStatus(slot: Slot, status: InstanceStatus, now: number): void {
  const { instance, runtime } = slot;
  if (status === 'running' && instance.status !== 'running') runtime.runningSince = now;
  if (status !== 'running') runtime.runningSince = null;
  instance.status = status;
  for (const watcher of slot.watchers) watcher(status);
}

/**
 * Resolves with the status once it is `running`, `error` or `stopped` (or whatever it is after
 * `timeoutMs`).
 */
export function settled(slot: Slot, timeoutMs: number): Promise<InstanceStatus> {
  const final = (s: InstanceStatus) => s === 'running' || s === 'error' || s === 'stopped';
  if (final(slot.instance.status)) return Promise.resolve(slot.instance.status);
  return new Promise((resolve) => {
    const done = (status: InstanceStatus) => {
      clearTimeout(timer);
      slot.watchers.delete(watcher);
      resolve(status);
    };
    const watcher = (status: InstanceStatus) => {
      if (final(status)) done(status);
    };
    const timer = setTimeout(() => done(slot.instance.status), timeoutMs);
    slot.watchers.add(watcher);
  });
}
