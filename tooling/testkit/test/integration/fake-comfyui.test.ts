import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, freePort, httpJson, isAlive } from '../../src/index.ts';
import { startFake, tcpConnects } from './start-fake.ts';

const refused = async (port: number) => !(await tcpConnects(port));

describe('fake ComfyUI', () => {
  it('serves /system_stats with its argv, environment and supervised flag, and exits with the requested code', async () => {
    const ws = await createWorkspace();
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port), '--cpu', '--whatever']);
    await ws.waitForEvent({ event: 'listening', env: 'env1' });
    const stats = await httpJson(`http://127.0.0.1:${port}/system_stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.environment).toBe('env1');
    expect(stats.body.supervised).toBe('1');
    expect(stats.body.argv).toContain('--whatever');
    await httpJson(`http://127.0.0.1:${port}/exit/42`, { method: 'POST' });
    const result = await child;
    expect(result.exitCode).toBe(42);
    const names = (await ws.events()).map((e) => e.event);
    expect(names).toEqual(['started', 'listening', 'exited']);
  });

  it('crashes at start with the configured code, and can crash only once', async () => {
    const ws = await createWorkspace({ behaviour: { env2: { mode: 'crash', crashCode: 7 } } });
    expect((await startFake(ws, 'env2')).exitCode).toBe(7);
    const once = join(ws.root, 'crashed-once');
    await ws.setBehaviour('env1', { crashOnceFile: once });
    const port = await freePort();
    expect((await startFake(ws, 'env1', ['--port', String(port)])).exitCode).toBe(1);
    expect(existsSync(once)).toBe(true);
    const second = startFake(ws, 'env1', ['--port', String(port)]);
    await ws.waitForEvent({ event: 'listening', env: 'env1' });
    second.kill('SIGTERM');
    expect((await second).exitCode).toBe(0);
  });

  it('ignores SIGTERM when told to, but records it', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { ignoreSigterm: true } } });
    const port = await freePort();
    const child = startFake(ws, 'env1', [`--port=${port}`]);
    const listening = await ws.waitForEvent({ event: 'listening' });
    child.kill('SIGTERM');
    await ws.waitForEvent({ event: 'sigterm' });
    expect(isAlive(listening.pid)).toBe(true);
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');
  });

  it('starts a child of its own in its process group', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { spawnChild: true } } });
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port)]);
    const started = await ws.waitForEvent({ event: 'child_started' });
    const childPid = started.child_pid as number;
    expect(isAlive(childPid)).toBe(true);
    const pgid = execFileSync('ps', ['-o', 'pgid=', '-p', String(childPid)], { encoding: 'utf8' }).trim();
    expect(Number(pgid)).toBe(child.pid);
    process.kill(-(child.pid as number), 'SIGKILL');
    await expect
      .poll(() => isAlive(childPid), { timeout: 15_000, message: 'the child to die with its group' })
      .toBe(false);
  });

  it('hangs without listening, and starts slowly when told to', async () => {
    const ws = await createWorkspace({
      behaviour: { env1: { mode: 'hang' }, env2: { mode: 'slow', startDelayMs: 300 } },
    });
    const port = await freePort();
    startFake(ws, 'env1', ['--port', String(port)]);
    await ws.waitForEvent({ event: 'started', env: 'env1' });
    startFake(ws, 'env2', ['--port', String(await freePort())]);
    const started = await ws.waitForEvent({ event: 'started', env: 'env2' });
    const listening = await ws.waitForEvent({ event: 'listening', env: 'env2' });
    expect(listening.time - started.time).toBeGreaterThanOrEqual(0.29);
    // `hanging` is recorded where env1 would have listened: after it, a listen can no longer come.
    await ws.waitForEvent({ event: 'hanging', env: 'env1' });
    expect((await ws.events()).some((e) => e.env === 'env1' && e.event === 'listening')).toBe(false);
    expect(await refused(port)).toBe(true);
  });

  it('listens only once its start gate file exists', async () => {
    const ws = await createWorkspace();
    const gate = join(ws.root, 'open');
    await ws.setBehaviour('env1', { startGateFile: gate });
    const port = await freePort();
    startFake(ws, 'env1', ['--port', String(port)]);
    expect(await ws.waitForEvent({ event: 'gated' })).toMatchObject({ file: gate });
    expect(await refused(port)).toBe(true);
    writeFileSync(gate, '');
    const listening = await ws.waitForEvent({ event: 'listening' });
    expect(listening.port).toBe(port);
    expect(await refused(port)).toBe(false);
  });

  it('writes the Manager reboot marker when __COMFY_CLI_SESSION__ is set', async () => {
    const ws = await createWorkspace();
    const port = await freePort();
    const session = join(ws.metadataDir, 'session');
    const child = startFake(ws, 'env1', ['--port', String(port)], { __COMFY_CLI_SESSION__: session });
    await ws.waitForEvent({ event: 'listening' });
    await httpJson(`http://127.0.0.1:${port}/manager/reboot`, { method: 'POST' });
    expect((await child).exitCode).toBe(0);
    expect(existsSync(`${session}.reboot`)).toBe(true);
  });
});

describe('workspace builder', () => {
  it('builds a ComfyGit workspace whose environments have a venv-shaped python that sees a fake torch', async () => {
    const ws = await createWorkspace({ environments: ['a', 'b', 'c'], torchVersion: '2.5.1+cu121' });
    for (const name of ['a', 'b', 'c']) {
      expect(existsSync(join(ws.envDir(name), '.cec'))).toBe(true);
      expect(existsSync(join(ws.envDir(name), 'ComfyUI', 'main.py'))).toBe(true);
    }
    const python = join(ws.envDir('b'), '.venv', 'bin', 'python');
    const out = execFileSync(
      python,
      ['-c', 'import sys, torch; print(sys.prefix); print(torch.__version__)'],
      {
        encoding: 'utf8',
      },
    ).trim();
    expect(out.split('\n')).toEqual([join(ws.envDir('b'), '.venv'), '2.5.1+cu121']);
    expect(existsSync(join(ws.metadataDir, 'workspace.json'))).toBe(true);
  });

  it('builds the older layout (pyproject.toml + environments/)', async () => {
    const ws = await createWorkspace({ layout: 'legacy' });
    expect(existsSync(join(ws.root, 'pyproject.toml'))).toBe(true);
    expect(existsSync(ws.metadataDir)).toBe(false);
    expect(existsSync(join(ws.envDir('env2'), '.venv', 'bin', 'python'))).toBe(true);
  });
});
