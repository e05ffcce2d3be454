import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSwitchStatus, writeCommand, writeSwitchRequest } from '@comfyvisor/ipc-files';
import { cleanupWorkspaces, httpJson, killTracked, waitFor } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { lastIndex, startSupervised } from './helpers.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

describe('switch (exit 43 + request)', () => {
  it('to a healthy environment: preparing … complete, then env2 serves', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
    await run.exitComfyui(43);
    await run.waitState('complete');
    expect(await readSwitchStatus(run.ws.metadataDir)).toMatchObject({
      progress: 100,
      targetEnv: 'env2',
      sourceEnv: 'env1',
    });
    expect((await run.stats()).body.environment).toBe('env2');
    expect(existsSync(join(run.ws.metadataDir, '.switch.lock'))).toBe(false);
  });

  it('to a crashing environment: rolling_back, env1 serves again, the status says failed', async () => {
    const run = await startSupervised({ behaviour: { env2: { mode: 'crash', crashCode: 3 } } });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const after = await lastIndex(run.ws);
    await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
    await run.exitComfyui(43);
    await run.ws.waitForEvent({ event: 'exited', env: 'env2', code: 3 }, { after });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after });
    await run.waitState('failed');
    expect((await readSwitchStatus(run.ws.metadataDir))?.message).toMatch(/rolled back to env1/);
    expect((await run.stats()).body.environment).toBe('env1');
    expect((await httpJson(`${run.controlUrl}/health`)).body.current_env).toBe('env1');
  });

  it('bad requests keep the current environment: corrupt JSON, a missing environment, ../x, a number', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    for (const body of [
      '{corrupt',
      '{"target_env": "nope"}',
      '{"target_env": "../x"}',
      '{"target_env": 42}',
    ]) {
      const after = await lastIndex(run.ws);
      writeFileSync(join(run.ws.metadataDir, '.switch_request.json'), body);
      await run.exitComfyui(43);
      await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after });
      const status = await readSwitchStatus(run.ws.metadataDir);
      expect(status?.state, body).toBe('failed');
      expect(status?.error, body).toBeTruthy();
      expect(existsSync(join(run.ws.metadataDir, '.switch_request.json'))).toBe(false);
    }
    expect((await run.ws.events()).some((e) => e.env !== 'env1')).toBe(false);
  });

  it('a request waiting at start-up is honoured first', async () => {
    const run = await startSupervised({ env: 'env1', orchestrator: {} });
    // (the request is written before the first start by a second supervisor run on the same workspace)
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await fetch(`${run.controlUrl}/kill`, { method: 'POST' });
    await run.sup;
    await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
    const { execa } = await import('execa');
    const { track } = await import('@comfyvisor/testkit');
    const after = await lastIndex(run.ws);
    track(
      execa(
        process.execPath,
        [
          join(import.meta.dirname, 'fixtures', 'run-supervisor.mjs'),
          run.ws.root,
          'env1',
          '--port',
          String(run.port),
        ],
        { reject: false },
      ),
    );
    const first = await run.ws.waitForEvent({ event: 'started' }, { after });
    expect(first.env).toBe('env2');
    await run.waitState('complete');
  });

  it('the switch command: POST /switch on the control API and a .cmd file', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const accepted = await httpJson(`${run.controlUrl}/switch`, {
      method: 'POST',
      body: JSON.stringify({ target_env: 'env2' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(accepted).toMatchObject({ status: 200, body: { status: 'switching', target_env: 'env2' } });
    await run.waitState('complete');
    await waitFor(async () => (await run.stats()).body.environment === 'env2');
    await writeCommand(run.ws.metadataDir, { command: 'switch', targetEnv: 'env1' });
    await waitFor(
      async () =>
        (await readSwitchStatus(run.ws.metadataDir))?.targetEnv === 'env1' &&
        (await readSwitchStatus(run.ws.metadataDir))?.state === 'complete',
      { timeoutMs: 20_000 },
    );
    expect((await run.stats()).body.environment).toBe('env1');
  });
});
