// The drain and the queue kept across a restart, driven through the core with a fake ComfyUI
// process, a fake queue API and a clock the test moves.
import type { Clock } from '@comfyvisor/health';
import { describe, expect, it } from 'vitest';
import { deps, type FakeProc, fakeSpawner, memoryStore } from '../test/fakes.ts';
import type { ComfyuiQueue, PendingPrompt, QueueLook } from './comfyui-queue.ts';
import { Supervisor } from './supervisor.ts';
import type { SupervisorEvent } from './supervisor-event.ts';

/** A clock whose sleeps end only when the test moves time past them. */
function manualClock() {
  let now = 0;
  const sleepers: Array<{ until: number; wake: () => void }> = [];
  const clock: Clock & { advance(ms: number): Promise<void> } = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const entry = { until: now + ms, wake: resolve };
        sleepers.push(entry);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    async advance(ms) {
      now += ms;
      for (const s of sleepers.filter((s) => s.until <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.wake();
      }
      await settle();
    },
  };
  return clock;
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const prompt = (id: string, number: number): PendingPrompt => ({ id, number, prompt: { id }, extraData: {} });

/** A queue API over a list the test holds: `running`, `pending`, and what was removed and posted. */
function fakeQueue() {
  const q = {
    running: [] as Array<{ id: string; number: number }>,
    pending: [] as PendingPrompt[],
    removed: [] as string[],
    posted: [] as unknown[],
    api: null as unknown as ComfyuiQueue,
  };
  q.api = {
    look: async (): Promise<QueueLook> => ({ running: [...q.running], pending: [...q.pending] }),
    remove: async (ids) => {
      q.removed.push(...ids);
      q.pending = q.pending.filter((p) => !ids.includes(p.id));
      return true;
    },
    requeue: async (prompts) => {
      q.posted.push(...prompts.map((p) => p.prompt));
      return { posted: prompts.length, failed: [] };
    },
    free: async () => true,
  };
  return q;
}

const say = (proc: FakeProc, line: string) => proc.options.output?.write(Buffer.from(`${line}\n`));

function setup(settings: Record<string, unknown> = {}) {
  const clock = manualClock();
  const q = fakeQueue();
  const events: SupervisorEvent[] = [];
  const { spawn, spawned } = fakeSpawner();
  const base = deps();
  const sup = new Supervisor(
    deps({
      spawn,
      queue: q.api,
      world: { clock, pid: 1, env: {}, wallNow: () => 1_700_000_000_000 },
      settings: { ...base.settings, ...settings },
      record: (e) => events.push(e),
    }),
  );
  const done = sup.run();
  return { sup, clock, q, events, spawned, done };
}

/** ComfyUI running prompt p1 with p2 and p3 pending, as its output and its queue tell. */
async function busy(s: ReturnType<typeof setup>) {
  await settle();
  const proc = s.spawned[0] as FakeProc;
  s.q.running = [{ id: 'p1', number: 1 }];
  s.q.pending = [prompt('p2', 2), prompt('p3', 3)];
  for (let i = 0; i < 3; i++) say(proc, 'got prompt');
  await s.clock.advance(100); // the watcher looks at the queue a moment after `got prompt`
  return proc;
}

describe('drain before a planned restart', () => {
  it('waits for the running prompt, takes the pending ones out, restarts when it ends, queues them again', async () => {
    const s = setup();
    const proc = await busy(s);
    s.sup.send({ command: 'restart' });
    await settle();
    expect(proc.stops).toBe(0);
    expect(s.q.removed).toEqual(['p2', 'p3']);
    expect(s.events.find((e) => e.type === 'drain_start')).toMatchObject({
      action: 'restart',
      running: 1,
      pending: 2,
    });
    expect(s.sup.snapshot().draining).toEqual({ action: 'restart', since: 1_700_000_000, prompt_id: 'p1' });
    await s.clock.advance(5_000);
    expect(proc.stops).toBe(0);
    s.q.running = [];
    say(proc, 'Prompt executed in 6.00 seconds');
    await settle();
    expect(proc.stops).toBe(1);
    expect(s.events.find((e) => e.type === 'drain_end')).toMatchObject({
      outcome: 'finished',
      durationMs: 5_000,
    });
    expect(s.spawned).toHaveLength(2);
    await settle();
    expect(s.q.posted).toEqual([{ id: 'p2' }, { id: 'p3' }]);
    expect(s.events.find((e) => e.type === 'requeue')).toMatchObject({ count: 2, failed: 0 });
    s.sup.send({ command: 'shutdown', force: true });
    expect(await s.done).toBe(0);
  });

  it('--force does not wait: ComfyUI is stopped at once, the pending prompts still go to the new one', async () => {
    const s = setup();
    const proc = await busy(s);
    s.sup.send({ command: 'restart', force: true });
    await settle();
    expect(proc.stops).toBe(1);
    expect(s.events.some((e) => e.type === 'drain_start')).toBe(false);
    await settle();
    expect(s.q.posted).toEqual([{ id: 'p2' }, { id: 'p3' }]);
    s.sup.send({ command: 'shutdown', force: true });
    await s.done;
  });

  it('a forced command cuts a drain under way short (drain_end forced)', async () => {
    const s = setup();
    const proc = await busy(s);
    s.sup.send({ command: 'restart' });
    await settle();
    s.sup.send({ command: 'restart', force: true });
    await settle();
    expect(proc.stops).toBe(1);
    expect(s.events.find((e) => e.type === 'drain_end')).toMatchObject({ outcome: 'forced' });
    s.sup.send({ command: 'shutdown', force: true });
    await s.done;
  });

  it('the drain timeout holds: after drain_timeout_s the restart happens anyway', async () => {
    const s = setup({ drainTimeoutMs: 30_000 });
    const proc = await busy(s);
    s.sup.send({ command: 'restart' });
    await settle();
    await s.clock.advance(29_000);
    expect(proc.stops).toBe(0);
    await s.clock.advance(1_000);
    expect(proc.stops).toBe(1);
    expect(s.events.find((e) => e.type === 'drain_end')).toMatchObject({
      outcome: 'timeout',
      durationMs: 30_000,
    });
    s.sup.send({ command: 'shutdown', force: true });
    await s.done;
  });

  it('drain_enabled false: no wait', async () => {
    const s = setup({ drainEnabled: false });
    const proc = await busy(s);
    s.sup.send({ command: 'restart' });
    await settle();
    expect(proc.stops).toBe(1);
    s.sup.send({ command: 'shutdown' });
    await s.done;
  });

  it('a stop (shutdown) drains too, and the supervisor exits 0 after the prompt', async () => {
    const s = setup();
    const proc = await busy(s);
    s.sup.send({ command: 'shutdown' });
    await settle();
    expect(proc.stops).toBe(0);
    expect(s.events.find((e) => e.type === 'drain_start')).toMatchObject({ action: 'stop' });
    say(proc, 'Prompt executed in 1.00 seconds');
    expect(await s.done).toBe(0);
    expect(proc.stops).toBe(1);
  });

  it('an idle ComfyUI is restarted at once and its queue is not even looked at', async () => {
    const s = setup();
    await settle();
    let looks = 0;
    const look = s.q.api.look;
    s.q.api.look = async () => {
      looks++;
      return look();
    };
    s.sup.send({ command: 'restart' });
    await settle();
    expect((s.spawned[0] as FakeProc).stops).toBe(1);
    expect(looks).toBe(0);
    s.sup.send({ command: 'shutdown' });
    await s.done;
  });
});

describe('a switch drains in preparing', () => {
  it('stays preparing, saying it waits for the running prompt; the pending prompts are dropped', async () => {
    const store = memoryStore();
    const clock = manualClock();
    const q = fakeQueue();
    const events: SupervisorEvent[] = [];
    const { spawn, spawned } = fakeSpawner();
    const sup = new Supervisor(
      deps({ store, spawn, queue: q.api, world: { clock, pid: 1, env: {} }, record: (e) => events.push(e) }),
    );
    const done = sup.run();
    const s = { clock, q, spawned };
    const proc = await busy(s as never);
    expect(await sup.requestSwitch('env2')).toEqual({ ok: true });
    await settle();
    expect(proc.stops).toBe(0);
    expect(store.lastStatus()).toMatchObject({ state: 'preparing', targetEnv: 'env2' });
    expect(store.lastStatus()?.message).toMatch(/waiting for the running prompt/i);
    expect(store.statuses.map((st) => st.state)).toEqual(['preparing', 'preparing']);
    say(proc, 'Prompt executed in 1.00 seconds');
    await settle();
    expect(proc.stops).toBe(1);
    expect(events.find((e) => e.type === 'prompts_dropped')).toMatchObject({ pending: 2 });
    expect(spawned.at(-1)?.options.cwd).toContain('env2');
    sup.send({ command: 'shutdown', force: true });
    await done;
  });
});

describe('busy is not hung; lost prompts', () => {
  it('a crash during a prompt records prompts_lost with the running prompt and the pending count', async () => {
    const s = setup({ crashMaxRestarts: 5 });
    const proc = await busy(s);
    proc.exit(null, 'SIGKILL');
    await settle();
    expect(s.events.find((e) => e.type === 'prompts_lost')).toMatchObject({ prompt_ids: ['p1'], pending: 2 });
    await s.clock.advance(100);
    s.sup.send({ command: 'shutdown', force: true });
    await s.done;
  });
});
