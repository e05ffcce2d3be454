// Switching environments with real processes: exit 43 + .switch_request.json, the health check,
// the rollback, bad requests, a request waiting at start-up, and the `switch` command.
// Python counterparts: testing/integration/test_restart_flow.py at 57c5958 of comfygit-manager
// (`py:` on each test; most switch cases have none there, the Python file mocks the switch).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, writeCommand, writeSwitchRequest } from '@comfyvisor/ipc-files';
import { httpJson, isAlive } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import {
  eventsOf,
  GATED_SYNC,
  holdSync,
  lastIndex,
  releaseSync,
  startSupervised,
  syncLog,
  waitSyncHeld,
} from './helpers.ts';

const REQUEST = FILE_NAMES.switchRequest;

describe('switch by exit 43 and a switch request', () => {
  // py: test_supervised_flag_prevents_nested_orchestrators (exit 43 is handled by the running
  //     supervisor: the switch happens in it, no second supervisor)
  it('to a healthy environment: complete, target env2, env2 serves', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
    await run.exitComfyui(43);
    const status = await run.waitState('complete');
    expect(status).toMatchObject({
      state: 'complete',
      progress: 100,
      targetEnv: 'env2',
      sourceEnv: 'env1',
      message: 'Successfully switched to env2',
    });
    const stats = await run.stats();
    expect(stats.body.environment).toBe('env2');
    expect(stats.body.supervised).toBe('1');
    expect((await httpJson(`${run.controlUrl}/health`)).body.current_env).toBe('env2');
    expect(isAlive(first.pid)).toBe(false);
    expect(existsSync(join(run.ws.metadataDir, REQUEST))).toBe(false);
    // env1 started once; env2 once, after env1 exited with 43; the supervisor is the same process.
    expect((await eventsOf(run.ws, 'started')).map((e) => e.env)).toEqual(['env1', 'env2']);
    expect(await eventsOf(run.ws, 'exited', 'env1')).toMatchObject([{ code: 43 }]);
    expect(run.sup.exitCode).toBeNull();
  });

  // py: none
  it('to a crashing environment: rolling_back, env1 runs again and is checked, the final status is rolled_back', async () => {
    const run = await startSupervised({
      behaviour: { env2: { mode: 'crash', crashCode: 3 } },
      orchestrator: { sync_enabled: true, sync_command: GATED_SYNC },
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    // The next sync of env1 (the rollback's) waits for our go: rolling_back stays visible.
    await holdSync(run.ws, 'env1');
    const after = await lastIndex(run.ws);
    await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
    await run.exitComfyui(43);
    await run.ws.waitForEvent({ event: 'exited', env: 'env2', code: 3 }, { after });
    const rolling = await run.waitState('rolling_back');
    expect(rolling).toMatchObject({
      progress: 90,
      targetEnv: 'env2',
      sourceEnv: 'env1',
      error: 'Health check of env2 failed (exited with code 3)',
    });
    expect(rolling.message).toMatch(/rolling back to env1/);
    await waitSyncHeld(run.ws);
    expect(await eventsOf(run.ws, 'started', 'env1')).toHaveLength(1);
    await releaseSync(run.ws);

    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after });
    const final = await run.waitState('rolled_back');
    expect(final.message).toBe(
      'Switch to env2 failed (Health check of env2 failed (exited with code 3)); rolled back to env1, which is running again',
    );
    expect(final).toMatchObject({ progress: 100, targetEnv: 'env2', sourceEnv: 'env1' });
    expect(final.error).toBe('Health check of env2 failed (exited with code 3)');
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.lock))).toBe(false);
    expect((await run.stats()).body.environment).toBe('env1');
    expect((await httpJson(`${run.controlUrl}/health`)).body.current_env).toBe('env1');
    // synced: env1 (first start), env2 (the switch), env1 (the rollback)
    expect(await syncLog(run.ws)).toEqual(['env1', 'env2', 'env1']);
    expect(run.sup.exitCode).toBeNull();
  });

  // py: none
  it.each([
    ['corrupt JSON', '{"target_env": "env2",', /unreadable/],
    ['a missing environment', '{"target_env": "nope", "source_env": "env1"}', /does not exist/],
    ['a path as the name', '{"target_env": "../x", "source_env": "env1"}', /invalid environment name/],
    ['a number as target_env', '{"target_env": 42, "source_env": "env1"}', /unreadable/],
  ])('a bad request (%s) is refused and env1 started again', async (_what, body, reason) => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeFile(join(run.ws.metadataDir, REQUEST), body);
    await run.exitComfyui(43);
    const again = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    expect(again.pid).not.toBe(first.pid);
    const status = await run.status();
    expect(status?.state).toBe('rolled_back');
    expect(status?.error).toMatch(reason);
    expect(status?.message).toMatch(/Staying on env1/);
    expect(existsSync(join(run.ws.metadataDir, REQUEST))).toBe(false);
    expect((await run.ws.events()).every((e) => e.env === 'env1')).toBe(true);
    expect((await run.stats()).body.environment).toBe('env1');
  });

  // py: none
  it('exit 43 without any request is refused and env1 started again', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await run.exitComfyui(43);
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    expect(await run.status()).toMatchObject({
      state: 'rolled_back',
      error: 'exit 43 without a switch request',
    });
  });
});

describe('a switch request waiting at start-up', () => {
  // py: none (the Python orchestrator's run_forever reads a pending request first, too)
  it('is honoured before anything starts: env2 is the first start', async () => {
    const run = await startSupervised({
      env: 'env1',
      prepare: async (ws) => {
        await writeSwitchRequest(ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
      },
    });
    await run.waitState('complete');
    const started = await eventsOf(run.ws, 'started');
    expect(started.map((e) => e.env)).toEqual(['env2']);
    expect(await run.status()).toMatchObject({ targetEnv: 'env2', sourceEnv: 'env1' });
    expect(existsSync(join(run.ws.metadataDir, REQUEST))).toBe(false);
    expect((await run.stats()).body.environment).toBe('env2');
  });

  // py: none
  it('whose target crashes rolls back to the request source_env', async () => {
    const run = await startSupervised({
      env: 'env1',
      behaviour: { env2: { mode: 'crash' } },
      prepare: async (ws) => {
        await writeSwitchRequest(ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
      },
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await run.waitState('rolled_back');
    expect((await eventsOf(run.ws, 'started')).map((e) => e.env)).toEqual(['env2', 'env1']);
    expect((await run.stats()).body.environment).toBe('env1');
  });
});

describe('fixed bugs (found by these tests)', () => {
  // Was: the source_env of a request waiting at start-up was trusted without a check, and the
  // supervisor died rolling back to an environment that does not exist. Now it rolls back to the
  // environment it was started with.
  it('a waiting request whose source_env does not exist: a failed target does not end the supervisor', async () => {
    const run = await startSupervised({
      env: 'env1',
      behaviour: { env2: { mode: 'crash' } },
      prepare: async (ws) => {
        await writeSwitchRequest(ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'gone' });
      },
    });
    await expect
      .poll(async () => run.sup.exitCode !== null || (await run.status())?.state === 'rolled_back', {
        timeout: 15_000,
        message: 'the supervisor to exit or the switch to end',
      })
      .toBe(true);
    expect(run.sup.exitCode).toBeNull();
    expect(await run.status()).toMatchObject({ state: 'rolled_back', sourceEnv: 'env1' });
    expect((await run.stats()).body.environment).toBe('env1');
  });
});

describe('the switch command', () => {
  // py: none
  it('POST /switch on the control API switches to env2', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const accepted = await run.postSwitch('env2');
    expect(accepted).toMatchObject({
      status: 200,
      body: { status: 'switching', target_env: 'env2', source_env: 'env1' },
    });
    // The supervisor stops env1 itself (SIGTERM), then starts env2 and health-checks it.
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const status = await run.waitState('complete');
    expect(status).toMatchObject({ targetEnv: 'env2', sourceEnv: 'env1' });
    expect((await run.stats()).body.environment).toBe('env2');
    // The lock the API took is released once the switch is complete.
    await expect
      .poll(() => existsSync(join(run.ws.metadataDir, FILE_NAMES.lock)), {
        timeout: 15_000,
        message: 'lock released',
      })
      .toBe(false);
  });

  // py: none
  it('POST /switch refuses bad targets and leaves ComfyUI alone', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const post = (body: string) =>
      httpJson(`${run.controlUrl}/switch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await post('{"target_env": "nope"}')).status).toBe(404);
    expect((await post('{"target_env": "../x"}')).status).toBe(400);
    expect((await post('{"target_env": 7}')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.lock))).toBe(false);
    // A good request after the bad ones: once it is done, whatever the bad ones set off has happened.
    expect((await post('{"target_env": "env2"}')).status).toBe(200);
    await run.ws.waitForEvent({ event: 'listening', env: 'env2' });
    expect(await run.waitState('complete')).toMatchObject({ targetEnv: 'env2', sourceEnv: 'env1' });
    const steps = (await run.ws.events()).map((e) => `${e.env}:${e.event}`);
    expect(steps).toEqual([
      'env1:started',
      'env1:listening',
      'env1:sigterm',
      'env1:exited',
      'env2:started',
      'env2:listening',
    ]);
  });

  // py: none
  it('a .cmd switch command switches to env2', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeCommand(run.ws.metadataDir, { command: 'switch', targetEnv: 'env2' });
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const status = await run.waitState('complete');
    expect(status).toMatchObject({ targetEnv: 'env2', sourceEnv: 'env1' });
    expect((await run.stats()).body.environment).toBe('env2');
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.command))).toBe(false);
  });
});
