import { join } from 'node:path';
import { findOrphans } from '@comfyvisor/detection';
import { createWorkspace, freePort, isAlive, type TestWorkspace, track, trackPid } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

function comfyuiCommand(ws: TestWorkspace, env: string, port: number) {
  return {
    python: join(ws.envDir(env), '.venv', 'bin', 'python'),
    args: [join(ws.envDir(env), 'ComfyUI', 'main.py'), '--port', String(port)],
    cwd: join(ws.envDir(env), 'ComfyUI'),
  };
}

async function deadPid(): Promise<number> {
  const done = execa('true');
  await done;
  return done.pid as number;
}

describe('orphans (real processes)', () => {
  it('a supervised fake ComfyUI whose supervisor pid is dead is found, with its child', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { spawnChild: true } } });
    const dead = await deadPid();
    const { python, args, cwd } = comfyuiCommand(ws, 'env1', await freePort());
    // Started through a launcher that exits at once, so it is reparented like a real orphan (and
    // not a child of this test runner, whose path may well contain "comfyvisor").
    const launcher = `
      const { spawn } = require('node:child_process');
      spawn(${JSON.stringify(python)}, ${JSON.stringify(args)}, {
        cwd: ${JSON.stringify(cwd)}, detached: true, stdio: 'ignore',
        env: { ...process.env, COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: ${JSON.stringify(join(ws.metadataDir, `.comfyvisor-session-${dead}`))} },
      }).unref();`;
    await execa(process.execPath, ['-e', launcher]);
    const fake = await ws.waitForEvent({ event: 'started' });
    trackPid(fake.pid);
    const started = await ws.waitForEvent({ event: 'child_started' });
    const orphans = await findOrphans(ws.root);
    expect(orphans).toEqual([
      {
        pid: fake.pid,
        commandLine: [python, ...args],
        supervisorPid: dead,
        reason: 'supervisor_gone',
        environment: 'env1',
        descendants: [started.child_pid],
      },
    ]);
    const other = await createWorkspace();
    expect(await findOrphans(other.root)).toEqual([]);
  });

  it('the child of a live supervisor is not an orphan until that supervisor is killed', async () => {
    const ws = await createWorkspace();
    const { python, args, cwd } = comfyuiCommand(ws, 'env1', await freePort());
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(${JSON.stringify(python)}, ${JSON.stringify(args)}, {
        cwd: ${JSON.stringify(cwd)}, detached: true, stdio: 'ignore',
        env: { ...process.env, COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: ${JSON.stringify(join(ws.metadataDir, '.comfyvisor-session-'))} + process.pid },
      });
      console.log(child.pid);
      setInterval(() => {}, 1000);`;
    const supervisor = track(
      execa(process.execPath, ['-e', script, 'comfyvisor', 'run'], { reject: false, buffer: false }),
    );
    const listening = await ws.waitForEvent({ event: 'listening' });
    trackPid(listening.pid);
    expect(await findOrphans(ws.root)).toEqual([]);
    supervisor.kill('SIGKILL');
    await expect
      .poll(() => isAlive(supervisor.pid as number), { timeout: 15_000, message: 'the supervisor to die' })
      .toBe(false);
    expect(isAlive(listening.pid)).toBe(true);
    expect(await findOrphans(ws.root)).toMatchObject([
      { pid: listening.pid, supervisorPid: supervisor.pid, reason: 'supervisor_gone', environment: 'env1' },
    ]);
  });

  it('a ComfyUI started by hand (not supervised) in the workspace is not an orphan', async () => {
    const ws = await createWorkspace();
    const { python, args, cwd } = comfyuiCommand(ws, 'env1', await freePort());
    track(
      execa(python, args, {
        cwd,
        reject: false,
        detached: true,
        extendEnv: false,
        env: { PATH: '/usr/bin:/bin' },
      }),
    );
    await ws.waitForEvent({ event: 'listening' });
    expect(await findOrphans(ws.root)).toEqual([]);
  });
});
