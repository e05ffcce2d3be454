// Issue 17: a planned restart waits for ComfyUI's running prompt (the drain), bounded by
// drain_timeout_s, skipped by force; the prompts pending behind it run once, on the new ComfyUI.
// A real supervisor on the test kit's fake ComfyUI job server.
import { writeCommand } from '@comfyvisor/ipc-files';
import { executedCounts, readFakeRecord } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { type Running, startSupervised } from './helpers.ts';
import {
  postControl,
  promptEvent,
  promptEvents,
  queuePrompt,
  supervisorEvents,
  waitForSupervisorEvent,
  waitUntilSeenBusy,
} from './work-helpers.ts';

const QUICK = { log_level: 'debug', stop_grace_s: 1 };

/** A supervised fake with a `seconds`-long prompt `long` running, seen by the supervisor. */
async function withRunningPrompt(seconds: number, orchestrator: Record<string, unknown> = {}) {
  const run = await startSupervised({ orchestrator: { ...QUICK, ...orchestrator } });
  const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
  const promptId = await queuePrompt(run, 'long', seconds);
  await promptEvent(run.ws, 'prompt_started', 'long');
  await waitUntilSeenBusy(run);
  return { run, first, promptId };
}

const restartBy: Record<string, (run: Running) => Promise<unknown>> = {
  'POST /restart': async (run) => expect((await postControl(run, '/restart')).status).toBe(200),
  '.cmd restart': (run) => writeCommand(run.ws.metadataDir, { command: 'restart' }),
};

describe('a planned restart waits for the running prompt', () => {
  it.each(Object.keys(restartBy))('%s: the 6 s prompt ends before ComfyUI gets SIGTERM', async (how) => {
    const { run, first, promptId } = await withRunningPrompt(6);
    await restartBy[how]?.(run);
    const start = await waitForSupervisorEvent(run.ws, 'drain_start');
    expect(start).toMatchObject({ action: 'restart', running: 1, pending: 0 });
    const executed = await promptEvent(run.ws, 'prompt_executed', 'long');
    expect(executed).toMatchObject({ pid: first.pid, prompt_id: promptId });
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(sigterm.index).toBeGreaterThan(executed.index);
    const next = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    expect(next.pid).not.toBe(first.pid);
    const end = await waitForSupervisorEvent(run.ws, 'drain_end');
    expect(end).toMatchObject({ outcome: 'finished', action: 'restart' });
    // it waited for the prompt: most of its 6 s, not the drain timeout (900 s)
    expect(end.durationMs).toBeGreaterThan(2_000);
    expect(end.durationMs).toBeLessThan(60_000);
    expect(executedCounts(await readFakeRecord(run.ws.eventsFile))).toEqual({ long: 1 });
    expect(run.stderr()).toMatch(/restart waits for ComfyUI's running prompt/);
  });

  it('`.cmd` restart with "force": true does not wait: SIGTERM while the prompt runs, the prompt lost', async () => {
    const { run, first } = await withRunningPrompt(6);
    await writeCommand(run.ws.metadataDir, { command: 'restart', extra: { force: true } });
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const next = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    expect(next.pid).not.toBe(first.pid);
    // the old process never ended the prompt, and the new one was not given it
    expect(await promptEvents(run.ws, 'prompt_executed', 'long')).toEqual([]);
    expect(await supervisorEvents(run.ws, 'drain_start')).toEqual([]);
    expect(await supervisorEvents(run.ws, 'requeue')).toEqual([]);
  });

  it('a forced restart cuts short a drain under way: drain_end "forced"', async () => {
    const { run, first } = await withRunningPrompt(30);
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    await waitForSupervisorEvent(run.ws, 'drain_start', { action: 'restart' });
    await writeCommand(run.ws.metadataDir, { command: 'restart', extra: { force: true } });
    const end = await waitForSupervisorEvent(run.ws, 'drain_end');
    expect(end).toMatchObject({ outcome: 'forced', durationMs: expect.any(Number) });
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    expect(await promptEvents(run.ws, 'prompt_executed', 'long')).toEqual([]);
  });

  it('drain_timeout_s holds: a 30 s prompt, a 1 s drain, the restart happens anyway', async () => {
    const { run, first } = await withRunningPrompt(30, { drain_timeout_s: 1 });
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    const end = await waitForSupervisorEvent(run.ws, 'drain_end');
    expect(end).toMatchObject({ outcome: 'timeout', action: 'restart' });
    expect(end.durationMs).toBeGreaterThanOrEqual(1_000);
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    expect(await promptEvents(run.ws, 'prompt_executed', 'long')).toEqual([]);
    expect(run.stderr()).toMatch(/drain ended \(timeout\)/);
  });

  it('drain_enabled false: the restart does not wait', async () => {
    const { run, first } = await withRunningPrompt(30, { drain_enabled: false });
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    expect(await supervisorEvents(run.ws, 'drain_start')).toEqual([]);
  });
});

describe('the queue kept across a restart', () => {
  it('two pending prompts run on the new ComfyUI, each exactly once, in their order', async () => {
    const { run, first } = await withRunningPrompt(4);
    await queuePrompt(run, 'b', 0.3);
    await queuePrompt(run, 'c', 0.3);
    await postControl(run, '/restart');
    expect(await waitForSupervisorEvent(run.ws, 'drain_start')).toMatchObject({
      action: 'restart',
      running: 1,
      pending: 2,
    });
    // taken out of the old queue as the drain began: the old process does not run them
    await promptEvent(run.ws, 'prompt_deleted', 'b');
    await promptEvent(run.ws, 'prompt_deleted', 'c');
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const c = await promptEvent(run.ws, 'prompt_executed', 'c');
    const b = (await promptEvents(run.ws, 'prompt_executed', 'b'))[0];
    expect(b?.pid).toBe(c.pid);
    expect(c.pid).not.toBe(first.pid);
    expect(b?.index).toBeLessThan(c.index);
    expect(c.index).toBeGreaterThan(sigterm.index);
    expect(executedCounts(await readFakeRecord(run.ws.eventsFile))).toEqual({ long: 1, b: 1, c: 1 });
    expect(await waitForSupervisorEvent(run.ws, 'requeue')).toMatchObject({
      env: 'env1',
      count: 2,
      failed: 0,
    });
  });

  it('requeue_pending false: the pending prompts are not posted again', async () => {
    const { run, first } = await withRunningPrompt(2, { requeue_pending: false });
    await queuePrompt(run, 'b', 0.3);
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    await waitForSupervisorEvent(run.ws, 'drain_start', { pending: 1 });
    expect(await waitForSupervisorEvent(run.ws, 'prompts_dropped')).toMatchObject({
      env: 'env1',
      pending: 1,
      reason: 'requeue_pending is off',
    });
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const next = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    await waitForSupervisorEvent(run.ws, 'comfyui_ready', { pid: next.pid });
    expect(await promptEvents(run.ws, 'prompt_queued', 'b')).toHaveLength(1);
    expect(await supervisorEvents(run.ws, 'requeue')).toEqual([]);
  });
});
