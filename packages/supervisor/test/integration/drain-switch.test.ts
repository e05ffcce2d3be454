// Issue 17: a switch asked through the control API waits for the running prompt in `preparing`
// (a state the panel knows), takes no later step before the prompt ends, and leaves the pending
// prompts behind (another environment's nodes may differ), saying how many.
import { readSwitchStatus, type SwitchStatus, writeCommand } from '@comfyvisor/ipc-files';
import { executedCounts, readFakeRecord } from '@comfyvisor/testkit';
import { describe, expect, it, vi } from 'vitest';
import { startSupervised } from './helpers.ts';
import {
  promptEvent,
  promptEvents,
  queuePrompt,
  waitForSupervisorEvent,
  waitUntilSeenBusy,
} from './work-helpers.ts';

/** Every distinct switch status written while it runs, polled every 10 ms until `stop()`. */
function watchStatuses(dir: string) {
  const seen: SwitchStatus[] = [];
  let running = true;
  const look = async () => {
    const status = await readSwitchStatus(dir);
    const last = seen.at(-1);
    if (status && (status.state !== last?.state || status.message !== last?.message)) seen.push(status);
  };
  const done = (async () => {
    while (running) {
      await look();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    seen,
    /** Stops polling after one last look. */
    stop: async () => {
      running = false;
      await done;
      await look();
    },
  };
}

describe('a switch during a prompt', () => {
  it('waits in `preparing` for the running prompt, drops the pending one, completes on env2', async () => {
    const run = await startSupervised({ orchestrator: { log_level: 'debug' } });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await queuePrompt(run, 'long', 5);
    await promptEvent(run.ws, 'prompt_started', 'long');
    await queuePrompt(run, 'left', 0.2);
    await waitUntilSeenBusy(run);
    const statuses = watchStatuses(run.ws.metadataDir);
    try {
      expect((await run.postSwitch('env2')).status).toBe(200);
      expect(await waitForSupervisorEvent(run.ws, 'drain_start')).toMatchObject({
        action: 'switch',
        running: 1,
        pending: 1,
      });
      const waiting = await vi.waitFor(async () => {
        const status = await run.waitState('preparing');
        expect(status.message).toMatch(/waiting for the running prompt/i);
        return status;
      });
      expect(waiting).toMatchObject({ progress: 10, targetEnv: 'env2', sourceEnv: 'env1' });
      expect(waiting.message).toMatch(/900 s/);
      const executed = await promptEvent(run.ws, 'prompt_executed', 'long');
      await run.waitState('complete');
      await statuses.stop();
      // no later step was written before the prompt ended
      const later = statuses.seen.filter((s) => s.state !== 'preparing');
      expect(later.map((s) => s.state)).toContain('complete');
      // updatedAt: ms since the epoch; the fake's record time: seconds
      for (const s of later)
        expect(s.updatedAt, `${s.state} written after the prompt ended`).toBeGreaterThanOrEqual(
          executed.time * 1000,
        );
      expect(statuses.seen.map((s) => s.state)).not.toContain('rolled_back');
    } finally {
      await statuses.stop();
    }
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(sigterm.index).toBeGreaterThan(
      (await promptEvents(run.ws, 'prompt_executed', 'long'))[0]?.index ?? Infinity,
    );
    expect((await run.stats()).body.environment).toBe('env2');
    expect(await waitForSupervisorEvent(run.ws, 'prompts_dropped')).toMatchObject({
      env: 'env1',
      pending: 1,
    });
    expect(await waitForSupervisorEvent(run.ws, 'drain_end')).toMatchObject({
      action: 'switch',
      outcome: 'finished',
    });
    // the pending prompt went nowhere: taken from env1's queue, not posted to env2
    await promptEvent(run.ws, 'prompt_deleted', 'left');
    expect(executedCounts(await readFakeRecord(run.ws.eventsFile))).toEqual({ long: 1 });
    expect(await promptEvents(run.ws, 'prompt_queued', 'left')).toHaveLength(1);
  });
});

describe('a command while a switch waits', () => {
  it('a restart does not replace the waiting switch (the switch restarts ComfyUI anyway): complete on env2', async () => {
    const run = await startSupervised({ orchestrator: { log_level: 'debug' } });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await queuePrompt(run, 'long', 3);
    await promptEvent(run.ws, 'prompt_started', 'long');
    await waitUntilSeenBusy(run);
    expect((await run.postSwitch('env2')).status).toBe(200);
    await waitForSupervisorEvent(run.ws, 'drain_start', { action: 'switch' });
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    await vi.waitFor(() => expect(run.stderr()).toMatch(/command: restart/));
    await promptEvent(run.ws, 'prompt_executed', 'long');
    expect(await run.waitState('complete')).toMatchObject({ targetEnv: 'env2' });
    expect((await run.stats()).body.environment).toBe('env2');
    expect(await waitForSupervisorEvent(run.ws, 'drain_end')).toMatchObject({ action: 'switch' });
  });
});
