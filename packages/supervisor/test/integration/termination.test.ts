// Stopping with real processes: signals, the grace period, no orphans even when the supervisor is
// SIGKILLed (the lifeline), giving up on a crash loop, and the extra_args recovery.
// Python counterparts: testing/integration/test_restart_flow.py at 57c5958 of comfygit-manager has
// none for these (`py:` on each test says so); test_orchestrator_loop.py (unit, same commit) has
// test_handle_sigterm and test_handle_crash_exit, named where they apply.
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_NAMES, readPidFile } from '@comfyvisor/ipc-files';
import { isAlive, track, trackPid } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  eventsOf,
  exitOf,
  GATED_SYNC,
  holdSync,
  processesMentioning,
  type Running,
  startSupervised,
  waitSyncHeld,
} from './helpers.ts';

const STUBBORN = join(import.meta.dirname, 'fixtures', 'stubborn-comfyui.py');

/**
 * A supervisor held in its first sync: the sync waits for `gate` (<ws>/release-sync), which nobody
 * writes, so only a cancel or a kill ends it.
 */
async function startInHeldSync(): Promise<{ run: Running; gate: string }> {
  const run = await startSupervised({
    orchestrator: { sync_enabled: true, sync_command: GATED_SYNC },
    prepare: (ws) => holdSync(ws, 'env1'),
  });
  await waitSyncHeld(run.ws);
  const gate = join(run.ws.root, 'release-sync');
  expect(processesMentioning(gate), 'the held sync process').not.toEqual([]);
  return { run, gate };
}

function syncGone(gate: string): Promise<void> {
  return expect
    .poll(() => processesMentioning(gate), { timeout: 5_000, message: 'the sync process to be gone' })
    .toEqual([]);
}

describe('signals', () => {
  // py: none in test_restart_flow.py (unit: test_orchestrator_loop.py::test_handle_sigterm)
  it("SIGTERM stops ComfyUI and ComfyUI's own child; exit 0; pid file removed", async () => {
    const run = await startSupervised({ behaviour: { env1: { spawnChild: true } } });
    const child = await run.ws.waitForEvent({ event: 'child_started', env: 'env1' });
    const comfy = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const childPid = child.child_pid as number;
    trackPid(childPid);
    expect(isAlive(comfy.pid)).toBe(true);
    expect(isAlive(childPid)).toBe(true);
    run.sup.kill('SIGTERM');
    const result = await exitOf(run);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/received SIGTERM, stopping/);
    await run.ws.waitForEvent({ event: 'sigterm', pid: comfy.pid });
    await expect
      .poll(() => [isAlive(comfy.pid), isAlive(childPid)], {
        timeout: 5_000,
        message: 'ComfyUI and its child to be gone',
      })
      .toEqual([false, false]);
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.pid))).toBe(false);
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.controlPort))).toBe(false);
  });

  // py: none in test_restart_flow.py (unit: test_orchestrator_loop.py::test_handle_sigint)
  it.each(['SIGINT', 'SIGHUP'] as const)('%s stops ComfyUI too; exit 0', async (signal) => {
    const run = await startSupervised();
    const comfy = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    run.sup.kill(signal);
    const result = await exitOf(run);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`received ${signal}, stopping`);
    expect(isAlive(comfy.pid)).toBe(false);
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
  });

  // py: none
  it('SIGKILL of the supervisor leaves no ComfyUI and no child within 2 s', async () => {
    const run = await startSupervised({ behaviour: { env1: { spawnChild: true } } });
    const child = await run.ws.waitForEvent({ event: 'child_started', env: 'env1' });
    const comfy = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const childPid = child.child_pid as number;
    trackPid(childPid);
    run.sup.kill('SIGKILL');
    // The title's 2 s is this wait's bound.
    await expect
      .poll(() => [isAlive(comfy.pid), isAlive(childPid)], {
        timeout: 2_000,
        interval: 5,
        message: 'no ComfyUI and no child left 2 s after the SIGKILL',
      })
      .toEqual([false, false]);
    // The lifeline asked nicely first: the fake recorded the SIGTERM.
    await run.ws.waitForEvent({ event: 'sigterm', pid: comfy.pid }, { timeoutMs: 2_000 });
  });

  // py: none. Was: 6 of 30 kills under load orphaned a ComfyUI spawned but not yet announced.
  it('SIGKILL between spawning ComfyUI and announcing it to the lifeline still leaves no ComfyUI', async () => {
    const session = join(tmpdir(), `.comfyvisor-session-window-${process.pid}-${Date.now()}`);
    const fixture = track(
      execa('node', [join(import.meta.dirname, 'fixtures', 'lifeline-window.mjs'), session], {
        reject: false,
        buffer: false,
      }),
    );
    const pid = await new Promise<number>((resolve) => {
      fixture.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    });
    trackPid(pid);
    expect(isAlive(pid)).toBe(true);
    fixture.kill('SIGKILL');
    await expect
      .poll(() => isAlive(pid), {
        timeout: 3_000,
        interval: 10,
        message: 'the unannounced ComfyUI to be gone',
      })
      .toBe(false);
  });

  // py: none
  it('SIGKILL of the supervisor with a ComfyUI that ignores SIGTERM: the lifeline SIGKILLs it within 2 s', async () => {
    const run = await startSupervised({
      // A ComfyUI that ignores SIGTERM without a word (the fake's own message would hit the closed
      // pipe and end it by BrokenPipeError, which is not what this test is about).
      prepare: (ws) => copyFile(STUBBORN, join(ws.envDir('env1'), 'ComfyUI', 'main.py')),
    });
    const comfy = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    trackPid(comfy.pid); // should the lifeline fail, the shared setup still removes it
    run.sup.kill('SIGKILL');
    // The title's 2 s is this wait's bound.
    const gone = expect
      .poll(() => isAlive(comfy.pid), {
        timeout: 2_000,
        interval: 5,
        message: 'the stubborn ComfyUI to be gone 2 s after the SIGKILL',
      })
      .toBe(false);
    // The lifeline's SIGTERM comes first and is ignored (the process outlives it: only SIGKILL ends
    // this one, and the lifeline sends it a second later).
    await run.ws.waitForEvent({ event: 'sigterm', pid: comfy.pid }, { timeoutMs: 2_000 });
    expect(isAlive(comfy.pid), 'alive after the SIGTERM it ignores').toBe(true);
    await gone;
  });

  // py: none
  it('a ComfyUI that ignores SIGTERM is SIGKILLed after the grace (stop_grace_s: 1)', async () => {
    const run = await startSupervised({
      behaviour: { env1: { ignoreSigterm: true } },
      orchestrator: { stop_grace_s: 1 },
    });
    const comfy = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    trackPid(comfy.pid);
    run.sup.kill('SIGTERM');
    const sigterm = await run.ws.waitForEvent({ event: 'sigterm', pid: comfy.pid });
    expect(isAlive(comfy.pid), 'alive after the SIGTERM it ignores').toBe(true);
    const result = await exitOf(run, 10_000);
    expect(result.exitCode).toBe(0);
    expect(isAlive(comfy.pid)).toBe(false);
    // Not before the grace ran out: a lower bound only (ComfyUI's own clock at the SIGTERM, ours
    // after the exit), so a slow machine cannot make it fail; 100 ms spare for the fake's handler.
    expect(Date.now() - sigterm.time * 1000).toBeGreaterThanOrEqual(900);
    // It never got to exit by itself: SIGKILL.
    expect(await eventsOf(run.ws, 'exited')).toHaveLength(0);
  });

  // py: none
  it('SIGTERM while waiting out a crash backoff: exit 0 at once, no new start', async () => {
    const run = await startSupervised({
      behaviour: { env1: { mode: 'crash' } },
      orchestrator: { crash_backoff_initial_ms: 30_000, crash_max_restarts: 5 },
    });
    await run.ws.waitForEvent({ event: 'exited', env: 'env1', code: 1 });
    await expect
      .poll(() => run.stderr(), { timeout: 15_000, message: 'the backoff to begin' })
      .toMatch(/restarting in 30000 ms/);
    run.sup.kill('SIGTERM');
    // "At once": the exit wait's own bound (10 s) is a third of the backoff.
    const result = await exitOf(run, 10_000);
    expect(result.exitCode).toBe(0);
    expect(await eventsOf(run.ws, 'started')).toHaveLength(1);
  });

  // py: none
  it('SIGTERM during the sync: the sync is cancelled, nothing is started, exit 0', async () => {
    const { run, gate } = await startInHeldSync();
    run.sup.kill('SIGTERM');
    const result = await exitOf(run, 10_000);
    expect(result.exitCode).toBe(0);
    await syncGone(gate);
    expect(existsSync(gate)).toBe(false);
    expect(await run.ws.events()).toHaveLength(0);
  });

  // Was: a sync (`cg repair`) running when the supervisor was SIGKILLed kept running, orphaned.
  it('SIGKILL during the sync: the lifeline ends the sync process too', async () => {
    const { run, gate } = await startInHeldSync();
    run.sup.kill('SIGKILL');
    await syncGone(gate);
  });
});

describe('fixed bugs (found by these tests)', () => {
  // Was: a stop (SIGTERM/SIGINT/SIGHUP, shutdown, POST /kill) in the middle of a switch left
  // `.switch.lock` behind (the panel refused new switches until it was 300 s stale) and
  // `.switch_status.json` at a state nobody would ever update. Now the switch ends in
  // critical_failure, saying why, and the lock is released.
  it('a SIGTERM during a switch releases the lock and leaves a final status', async () => {
    const run = await startSupervised({ behaviour: { env2: { mode: 'hang' } } });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const accepted = await run.postSwitch('env2');
    expect(accepted.status).toBe(200);
    await run.waitState('validating');
    run.sup.kill('SIGTERM');
    expect((await exitOf(run)).exitCode).toBe(0);
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.lock))).toBe(false);
    const final = await run.status();
    expect(final?.state).toBe('critical_failure');
    expect(final?.message).toMatch(/Stopped during the switch to env2 \(the supervisor received SIGTERM\)/);
  });
});

describe('giving up and recovering', () => {
  // py: none in test_restart_flow.py (unit: test_orchestrator_loop.py::test_handle_crash_exit)
  it("a crash loop gives up: non-zero exit, status critical_failure holding the fake's traceback", async () => {
    const run = await startSupervised({
      behaviour: { env1: { mode: 'crash', crashCode: 9 } },
      orchestrator: { crash_max_restarts: 2, crash_backoff_initial_ms: 50 },
    });
    const result = await exitOf(run);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/crashed 3 times; giving up/);
    // the first start and crash_max_restarts restarts
    expect(await eventsOf(run.ws, 'started')).toHaveLength(3);
    const status = await run.status();
    expect(status?.state).toBe('critical_failure');
    expect(status?.error).toContain('Crash with exit code 9');
    expect(status?.error).toContain('fake ComfyUI crashed on purpose');
    expect(status?.error).toContain('Traceback (most recent call last):');
    // issue 20: the command that brings ComfyUI back, ready to paste
    expect(status?.extra?.recovery_command).toBe(
      `comfyvisor run --workspace ${run.ws.root} --environment env1 --args --port ${run.port}`,
    );
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
  });

  // py: none
  it('extra_args recovery: a crash with extra_args is retried once without them (recovering)', async () => {
    const run = await startSupervised({
      behaviour: { env1: { crashUnlessArgs: ['--bad-flag'] } },
      comfyui: { extra_args: ['--bad-flag'] },
    });
    const listening = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const [first, second, ...more] = await eventsOf(run.ws, 'started');
    expect(more).toHaveLength(0);
    // <main.py> <backend flags> <extra_args> <ComfyUI args>
    expect(first?.argv?.slice(1)).toEqual(['--cpu', '--bad-flag', '--port', String(run.port)]);
    expect(await eventsOf(run.ws, 'exited')).toMatchObject([{ pid: first?.pid, code: 1 }]);
    expect(second?.argv).not.toContain('--bad-flag');
    expect(listening.pid).toBe(second?.pid);
    expect(await run.status()).toMatchObject({
      state: 'recovering',
      progress: 50,
      error: 'Crash with exit code 1',
    });
    const stats = await run.stats();
    expect(stats.status).toBe(200);
    expect(stats.body.argv).not.toContain('--bad-flag');
    expect(run.sup.exitCode).toBeNull();
  });
});
