// Issue 17: a planned stop (POST /kill, `.cmd` shutdown) waits for the running prompt; SIGTERM to
// the supervisor stops at once unless drain_on_sigterm is true (then a second SIGTERM stops now).
import { writeCommand } from '@comfyvisor/ipc-files';
import { executedCounts, readFakeRecord } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { exitOf, startSupervised } from './helpers.ts';
import {
  postControl,
  promptEvent,
  promptEvents,
  queuePrompt,
  supervisorEvents,
  waitForSupervisorEvent,
  waitUntilSeenBusy,
} from './work-helpers.ts';

async function withRunningPrompt(seconds: number, orchestrator: Record<string, unknown> = {}) {
  const run = await startSupervised({ orchestrator: { log_level: 'debug', ...orchestrator } });
  const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
  await queuePrompt(run, 'long', seconds);
  await promptEvent(run.ws, 'prompt_started', 'long');
  await waitUntilSeenBusy(run);
  return { run, first };
}

describe('a planned stop waits for the running prompt', () => {
  it('POST /kill: drain_start "stop", the prompt ends, then ComfyUI is stopped and the supervisor exits 0', async () => {
    const { run, first } = await withRunningPrompt(4);
    await queuePrompt(run, 'left', 0.2);
    expect((await postControl(run, '/kill')).status).toBe(200);
    expect(await waitForSupervisorEvent(run.ws, 'drain_start')).toMatchObject({
      action: 'stop',
      running: 1,
      pending: 1,
    });
    expect(run.sup.exitCode).toBeNull();
    expect((await exitOf(run)).exitCode).toBe(0);
    const executed = await promptEvent(run.ws, 'prompt_executed', 'long');
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(sigterm.index).toBeGreaterThan(executed.index);
    expect(await supervisorEvents(run.ws, 'drain_end')).toMatchObject([
      { action: 'stop', outcome: 'finished' },
    ]);
    expect(await supervisorEvents(run.ws, 'prompts_dropped')).toMatchObject([{ env: 'env1', pending: 1 }]);
    expect(executedCounts(await readFakeRecord(run.ws.eventsFile))).toEqual({ long: 1 });
  });

  it('`.cmd` shutdown with "force": true stops at once, the prompt cut short', async () => {
    const { run, first } = await withRunningPrompt(30);
    await writeCommand(run.ws.metadataDir, { command: 'shutdown', extra: { force: true } });
    expect((await exitOf(run)).exitCode).toBe(0);
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(await promptEvents(run.ws, 'prompt_executed', 'long')).toEqual([]);
    expect(await supervisorEvents(run.ws, 'drain_start')).toEqual([]);
  });
});

describe('SIGTERM to the supervisor', () => {
  it('stops at once by default, the running prompt cut short', async () => {
    const { run, first } = await withRunningPrompt(30);
    process.kill(run.pid, 'SIGTERM');
    expect((await exitOf(run)).exitCode).toBe(0);
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(await promptEvents(run.ws, 'prompt_executed', 'long')).toEqual([]);
    expect(await supervisorEvents(run.ws, 'drain_start')).toEqual([]);
  });

  it('drain_on_sigterm: waits for the prompt, then stops; exit 0', async () => {
    const { run, first } = await withRunningPrompt(4, { drain_on_sigterm: true });
    process.kill(run.pid, 'SIGTERM');
    expect(await waitForSupervisorEvent(run.ws, 'drain_start')).toMatchObject({ action: 'stop' });
    expect((await exitOf(run)).exitCode).toBe(0);
    const executed = await promptEvent(run.ws, 'prompt_executed', 'long');
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(sigterm.index).toBeGreaterThan(executed.index);
  });

  it('drain_on_sigterm: a second SIGTERM stops now (drain_end "forced")', async () => {
    const { run, first } = await withRunningPrompt(30, { drain_on_sigterm: true });
    process.kill(run.pid, 'SIGTERM');
    await waitForSupervisorEvent(run.ws, 'drain_start', { action: 'stop' });
    process.kill(run.pid, 'SIGTERM');
    expect((await exitOf(run)).exitCode).toBe(0);
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(await supervisorEvents(run.ws, 'drain_end')).toMatchObject([{ outcome: 'forced' }]);
    expect(await promptEvents(run.ws, 'prompt_executed', 'long')).toEqual([]);
  });

  it('drain_on_sigterm during a restart that waits: the stop takes its place, after the prompt', async () => {
    const { run, first } = await withRunningPrompt(4, { drain_on_sigterm: true });
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    await waitForSupervisorEvent(run.ws, 'drain_start', { action: 'restart' });
    process.kill(run.pid, 'SIGTERM');
    expect((await exitOf(run)).exitCode).toBe(0);
    const executed = await promptEvent(run.ws, 'prompt_executed', 'long');
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(sigterm.index).toBeGreaterThan(executed.index);
    expect(await supervisorEvents(run.ws, 'drain_end')).toMatchObject([
      { action: 'stop', outcome: 'finished' },
    ]);
    expect((await run.ws.events()).filter((e) => e.event === 'started')).toHaveLength(1);
  });
});
