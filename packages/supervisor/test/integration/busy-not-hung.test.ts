// Issue 17: a ComfyUI busy with a prompt whose custom node holds the GIL (HTTP silent for the whole
// prompt) is not called hung; an idle one that stops answering is. What ComfyUI was working on when
// it ended unplanned (a kill -9, a hang) is recorded as `prompts_lost`.
import { httpJson, isAlive } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { startSupervised } from './helpers.ts';
import {
  promptEvent,
  queuePrompt,
  supervisorEvents,
  waitForQueueSeen,
  waitForSupervisorEvent,
} from './work-helpers.ts';

/** Probes every second, two failures make an idle ComfyUI hung (2 s of silence). */
const LIVENESS = {
  liveness_interval_s: 1,
  liveness_failures: 2,
  liveness_timeout_s: 0.3,
  log_level: 'debug',
};

describe('busy is not hung', () => {
  it('a 20 s prompt that blocks HTTP is not called hung; the same ComfyUI frozen while idle is', async () => {
    const run = await startSupervised({ orchestrator: LIVENESS });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await waitForSupervisorEvent(run.ws, 'comfyui_ready', { pid: first.pid });
    await queuePrompt(run, 'gil', 20, { blockHttp: true });
    await promptEvent(run.ws, 'prompt_started', 'gil');
    // ten times the idle allowance of silence, then the prompt ends on the same process
    const executed = await promptEvent(run.ws, 'prompt_executed', 'gil', 40_000);
    expect(executed.pid).toBe(first.pid);
    expect(await supervisorEvents(run.ws, 'hung')).toEqual([]);
    expect((await run.ws.events()).filter((e) => e.event === 'sigterm')).toEqual([]);
    expect(run.stderr()).toMatch(/Prompt executed in 20\.\d\d seconds/);
    // idle now: a freeze is a hang, caught within the usual allowance
    await httpJson(`http://127.0.0.1:${run.port}/hang`, { method: 'POST' }).catch(() => null);
    const hung = await waitForSupervisorEvent(run.ws, 'hung', { pid: first.pid });
    expect(hung).toMatchObject({ env: 'env1', failures: 2 });
    const next = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: executed.index });
    expect(next.pid).not.toBe(first.pid);
    // nothing was running when it froze: nothing lost
    expect(await supervisorEvents(run.ws, 'prompts_lost')).toEqual([]);
  });

  it('liveness_busy_timeout_s bounds the allowance: a prompt silent for longer is hung, its work lost', async () => {
    const run = await startSupervised({ orchestrator: { ...LIVENESS, liveness_busy_timeout_s: 3 } });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await waitForSupervisorEvent(run.ws, 'comfyui_ready', { pid: first.pid });
    const id = await queuePrompt(run, 'stuck', 60, { blockHttp: true });
    await promptEvent(run.ws, 'prompt_started', 'stuck');
    const hung = await waitForSupervisorEvent(run.ws, 'hung', { pid: first.pid });
    expect(hung.failures).toBeGreaterThanOrEqual(3);
    const lost = await waitForSupervisorEvent(run.ws, 'prompts_lost');
    expect(lost).toMatchObject({ env: 'env1', pending: 0 });
    // its HTTP was silent from the prompt's start, so no look at the queue could name it: the
    // record says a prompt was running (the `got prompt` line) without its id
    expect([[id], []]).toContainEqual(lost.prompt_ids);
    expect(run.stderr()).toMatch(
      /ComfyUI ended with work under way: (a prompt|prompt \S+) running, 0 pending; lost/,
    );
    await run.ws.waitForEvent((e) => e.event === 'listening' && e.pid !== first.pid);
  });
});

describe('lost prompts', () => {
  it('a kill -9 of ComfyUI during a prompt records prompts_lost: the running prompt and the pending count', async () => {
    const run = await startSupervised({ orchestrator: { log_level: 'debug' } });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const id = await queuePrompt(run, 'running', 30);
    await promptEvent(run.ws, 'prompt_started', 'running');
    await queuePrompt(run, 'p1', 1);
    await queuePrompt(run, 'p2', 1);
    // the supervisor looks at the queue at least every 2 s while there is work
    await waitForQueueSeen(run, 1, 2);
    process.kill(first.pid, 'SIGKILL');
    const lost = await waitForSupervisorEvent(run.ws, 'prompts_lost');
    expect(lost).toMatchObject({ env: 'env1', prompt_ids: [id], pending: 2 });
    await run.ws.waitForEvent((e) => e.event === 'listening' && e.pid !== first.pid);
    expect(isAlive(first.pid)).toBe(false);
    expect(run.stderr()).toMatch(new RegExp(`prompt ${id} running, 2 pending; lost`));
  });
});
