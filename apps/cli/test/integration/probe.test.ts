import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeSwitchStatus } from '@comfyvisor/ipc-files';
import { freePort, httpJson } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { cli, oneLine, opsWorkspace, runSupervised } from './helpers.ts';

describe('comfyvisor probe live|ready (real supervisor, fake ComfyUI)', () => {
  it('live and ready while ComfyUI serves; not ready during a switch or when ComfyUI hangs; neither after stop', async () => {
    const ws = await opsWorkspace();
    const port = await freePort();
    await runSupervised(ws, port);

    const live = await cli(['probe', 'live', '--workspace', ws.root]);
    expect(live.exitCode).toBe(0);
    expect(live.stdout).toMatch(/^live: supervisor pid \d+ answers on port \d+$/);
    const ready = await cli(['probe', 'ready', '--workspace', ws.root]);
    expect(ready.exitCode).toBe(0);
    expect(ready.stdout).toBe(
      `ready: ComfyUI pid ${(await ws.waitForEvent({ event: 'listening' })).pid} answers http://127.0.0.1:${port}/system_stats`,
    );

    for (const state of ['syncing', 'validating', 'rolling_back'] as const) {
      await writeSwitchStatus(ws.metadataDir, { state, message: 'test', targetEnv: 'env2' });
      const switching = await cli(['probe', 'ready', '--workspace', ws.root]);
      expect(switching.exitCode).toBe(1);
      expect(switching.stdout).toBe(`not ready: a switch is in progress (${state})`);
    }
    await writeSwitchStatus(ws.metadataDir, { state: 'complete', message: 'done' });
    expect((await cli(['probe', 'ready', '--workspace', ws.root])).exitCode).toBe(0);
    rmSync(join(ws.metadataDir, '.switch_status.json'));

    await httpJson(`http://127.0.0.1:${port}/hang`, { method: 'POST' });
    await ws.waitForEvent({ event: 'hung' });
    const hung = await cli(['probe', 'ready', '--workspace', ws.root, '--timeout', '800']);
    expect(hung.exitCode).toBe(1);
    expect(hung.stdout).toBe(
      `not ready: ComfyUI does not answer http://127.0.0.1:${port}/system_stats (timeout)`,
    );
    expect((await cli(['probe', 'live', '--workspace', ws.root])).exitCode).toBe(0);

    expect((await cli(['stop', '--workspace', ws.root])).exitCode).toBe(0);
    const dead = await cli(['probe', 'live', '--workspace', ws.root]);
    expect(dead.exitCode).toBe(1);
    expect(dead.stdout).toBe('not live: no control port: the supervisor is not running');
    expect((await cli(['probe', 'ready', '--workspace', ws.root])).exitCode).toBe(1);
  });

  it('a control port that nobody answers is not live', async () => {
    const ws = await opsWorkspace();
    const { writeControlPort } = await import('@comfyvisor/ipc-files');
    const port = await freePort();
    await writeControlPort(ws.metadataDir, port);
    const probe = await cli(['probe', 'live', '--workspace', ws.root]);
    expect(probe.exitCode).toBe(1);
    expect(probe.stdout).toBe(`not live: the control API on port ${port} does not answer /health`);
  });

  it('bad input: an unknown kind or a bad timeout is one line and exit 2; a folder that is no workspace, exit 1', async () => {
    const ws = await opsWorkspace();
    const unknown = await cli(['probe', 'alive', '--workspace', ws.root]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stdout).toBe('');
    oneLine(unknown.stderr);
    expect(unknown.stderr).toBe('comfyvisor: unknown probe "alive" (live or ready)');
    const timeout = await cli(['probe', 'live', '--workspace', ws.root, '--timeout', 'soon']);
    expect(timeout.exitCode).toBe(2);
    oneLine(timeout.stderr);
    const notWorkspace = await cli(['probe', 'ready', '--workspace', ws.envDir('env1')]);
    expect(notWorkspace.exitCode).toBe(1);
    oneLine(notWorkspace.stderr);
  });
});
