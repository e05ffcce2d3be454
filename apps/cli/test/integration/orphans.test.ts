import { join } from 'node:path';
import { type FakeEvent, freePort, isAlive, type TestWorkspace, trackPid } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, opsWorkspace, runSupervised } from './helpers.ts';

/**
 * Leaves a fake ComfyUI behind the way a killed supervisor does: supervised, with the session of a
 * supervisor pid that is dead, reparented (its launcher exits at once).
 */
async function leaveOrphan(ws: TestWorkspace, env = 'env1'): Promise<{ fake: FakeEvent; deadPid: number }> {
  const done = execa('true');
  await done;
  const deadPid = done.pid as number;
  const python = join(ws.envDir(env), '.venv', 'bin', 'python');
  const args = [join(ws.envDir(env), 'ComfyUI', 'main.py'), '--port', String(await freePort())];
  const before = (await ws.events()).length - 1;
  const launcher = `
    require('node:child_process').spawn(${JSON.stringify(python)}, ${JSON.stringify(args)}, {
      cwd: ${JSON.stringify(join(ws.envDir(env), 'ComfyUI'))}, detached: true, stdio: 'ignore',
      env: { ...process.env, COMFYGIT_SUPERVISED: '1',
        __COMFY_CLI_SESSION__: ${JSON.stringify(join(ws.metadataDir, `.comfyvisor-session-${deadPid}`))} },
    }).unref();`;
  await execa(process.execPath, ['-e', launcher]);
  const fake = await ws.waitForEvent({ event: 'listening', env }, { after: before });
  trackPid(fake.pid);
  return { fake, deadPid };
}

describe('orphans: comfyvisor detect and stop --orphans (real processes)', () => {
  it('detect reports an orphan (human and --json); stop --orphans ends it and its child with SIGTERM', async () => {
    const ws = await opsWorkspace({ env1: { spawnChild: true } });
    const { fake, deadPid } = await leaveOrphan(ws);
    const child = (await ws.waitForEvent({ event: 'child_started' })).child_pid as number;

    const json = await cli(['detect', '--json', '--workspace', ws.root]);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout).orphans).toEqual([
      {
        pid: fake.pid,
        environment: 'env1',
        supervisor_pid: deadPid,
        reason: 'supervisor_gone',
        command_line: expect.arrayContaining([join(ws.envDir('env1'), 'ComfyUI', 'main.py')]),
        descendants: [child],
      },
    ]);
    const human = await cli(['detect', '--workspace', ws.root]);
    expect(human.stdout).toMatch(/orphans\s+1 \(end them with: comfyvisor stop --orphans\)/);
    expect(human.stdout).toContain(`pid ${fake.pid}`);
    expect(human.stdout).toContain(`env1; its supervisor is gone (${deadPid})`);

    const stop = await cli(['stop', '--orphans', '--workspace', ws.root]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toBe(`stopped orphan pid ${fake.pid} (env1) and 1 child process(es): terminated`);
    await ws.waitForEvent({ event: 'sigterm', pid: fake.pid });
    expect(isAlive(fake.pid)).toBe(false);
    await expect
      .poll(() => isAlive(child), { timeout: 15_000, message: "the orphan's child to be gone" })
      .toBe(false);
    expect(JSON.parse((await cli(['detect', '--json', '--workspace', ws.root])).stdout).orphans).toEqual([]);
    expect((await cli(['stop', '--orphans', '--workspace', ws.root])).stdout).toBe(
      `no orphaned ComfyUI in ${ws.root}`,
    );
  });

  it('an orphan that ignores SIGTERM is killed after the grace; --json names it', async () => {
    const ws = await opsWorkspace({ env2: { ignoreSigterm: true } });
    const { fake } = await leaveOrphan(ws, 'env2');
    const stop = await cli(['stop', '--orphans', '--grace', '0.3', '--json', '--workspace', ws.root]);
    expect(stop.exitCode).toBe(0);
    expect(JSON.parse(stop.stdout).stopped).toEqual([
      expect.objectContaining({ pid: fake.pid, environment: 'env2', outcome: 'killed' }),
    ]);
    await ws.waitForEvent({ event: 'sigterm', pid: fake.pid });
    await expect
      .poll(() => isAlive(fake.pid), { timeout: 15_000, message: 'the orphan to be killed' })
      .toBe(false);
  });

  it("a running supervisor's ComfyUI is not an orphan and stop --orphans leaves it alone", async () => {
    const ws = await opsWorkspace();
    const port = await freePort();
    await runSupervised(ws, port);
    const running = await ws.waitForEvent({ event: 'listening' });
    expect(JSON.parse((await cli(['detect', '--json', '--workspace', ws.root])).stdout).orphans).toEqual([]);
    expect((await cli(['stop', '--orphans', '--workspace', ws.root])).stdout).toBe(
      `no orphaned ComfyUI in ${ws.root}`,
    );
    expect(isAlive(running.pid)).toBe(true);
    const bad = await cli(['stop', '--orphans', '--grace', 'soon', '--workspace', ws.root]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe(
      "comfyvisor: option '--grace <seconds>' argument 'soon' is invalid. expected a number (see comfyvisor --help)",
    );
    expect((await cli(['stop', '--workspace', ws.root])).exitCode).toBe(0);
  });
});
