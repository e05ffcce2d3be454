// Stopping: signals, the grace period, no orphans (even when the supervisor is SIGKILLed), giving up.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSwitchStatus } from '@comfyvisor/ipc-files';
import { cleanupWorkspaces, isAlive, killTracked, waitFor } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startSupervised } from './helpers.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

describe('termination', () => {
  it("SIGTERM stops ComfyUI and ComfyUI's own child; exit 0; pid file removed", async () => {
    const run = await startSupervised({ behaviour: { env1: { spawnChild: true } } });
    const child = await run.ws.waitForEvent({ event: 'child_started' });
    const comfy = await run.ws.waitForEvent({ event: 'listening' });
    run.sup.kill('SIGTERM');
    expect((await run.sup).exitCode).toBe(0);
    await waitFor(() => !isAlive(comfy.pid) && !isAlive(child.child_pid as number), {
      timeoutMs: 5_000,
      message: 'ComfyUI and its child to die',
    });
    expect(existsSync(join(run.ws.metadataDir, '.orchestrator.pid'))).toBe(false);
  });

  it('SIGKILL of the supervisor leaves no ComfyUI (nor its child) within 2 s', async () => {
    const run = await startSupervised({ behaviour: { env1: { spawnChild: true } } });
    const child = await run.ws.waitForEvent({ event: 'child_started' });
    const comfy = await run.ws.waitForEvent({ event: 'listening' });
    const killedAt = performance.now();
    run.sup.kill('SIGKILL');
    await waitFor(() => !isAlive(comfy.pid) && !isAlive(child.child_pid as number), {
      timeoutMs: 2_000,
      intervalMs: 10,
      message: 'no ComfyUI left',
    });
    console.log(
      `after SIGKILL of the supervisor, ComfyUI and its child were gone in ${(performance.now() - killedAt).toFixed(0)} ms`,
    );
  });

  it('a ComfyUI that ignores SIGTERM is killed after the grace period', async () => {
    const run = await startSupervised({
      behaviour: { env1: { ignoreSigterm: true } },
      orchestrator: { stop_grace_s: 1 },
    });
    const comfy = await run.ws.waitForEvent({ event: 'listening' });
    run.sup.kill('SIGTERM');
    await run.ws.waitForEvent({ event: 'sigterm', pid: comfy.pid });
    expect((await run.sup).exitCode).toBe(0);
    expect(isAlive(comfy.pid)).toBe(false);
  });

  it('a crash loop gives up: non-zero exit, status failed with the last output', async () => {
    const run = await startSupervised({
      behaviour: { env1: { mode: 'crash', crashCode: 9 } },
      orchestrator: { crash_max_restarts: 2, crash_backoff_initial_ms: 20 },
    });
    const result = await run.sup;
    expect(result.exitCode).toBe(1);
    expect((await run.ws.events()).filter((e) => e.event === 'started')).toHaveLength(3);
    const status = await readSwitchStatus(run.ws.metadataDir);
    expect(status?.state).toBe('failed');
    expect(status?.error).toContain('fake ComfyUI crashed on purpose');
  });

  it('the extra_args recovery: a crash with extra_args retries without them', async () => {
    const run = await startSupervised({
      behaviour: { env1: { crashUnlessArgs: ['--bad-flag'] } },
      comfyui: { extra_args: ['--bad-flag'] },
    });
    const listening = await run.ws.waitForEvent({ event: 'listening' });
    const starts = (await run.ws.events()).filter((e) => e.event === 'started');
    expect(starts[0]?.argv).toContain('--bad-flag');
    expect(starts[1]?.argv).not.toContain('--bad-flag');
    expect(listening.pid).toBe(starts[1]?.pid);
    expect((await readSwitchStatus(run.ws.metadataDir))?.state).toBe('recovering');
  });
});
