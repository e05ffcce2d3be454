// Counterparts of testing/integration/test_orchestrator_bootstrap.py (Python suite at 57c5958).
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readPidFile, readSwitchStatus } from '@comfyvisor/ipc-files';
import { requestSwitch, spawnSupervisor } from '@comfyvisor/panel-bridge';
import { freePort, httpJson, isAlive, track, trackPid } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_BIN, bridgeWorkspace, killDetached } from './helpers.ts';

const roots: string[] = [];
afterEach(async () => {
  await killDetached(roots.splice(0));
});

function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

describe('spawning the supervisor (test_orchestrator_bootstrap)', () => {
  it('test_spawn_orchestrator_creates_detached_process / passes_workspace_and_env / captures_comfyui_args / writes_log_file', async () => {
    const ws = await bridgeWorkspace();
    roots.push(ws.root);
    const port = await freePort();
    const { pid, logFile } = await spawnSupervisor({
      workspace: ws.root,
      environment: 'env1',
      args: ['--port', String(port)],
    });
    trackPid(pid);
    expect(sessionOf(pid)).toBe(pid); // a new session: it leads it
    expect(readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    expect(await readPidFile(ws.metadataDir)).toBe(pid);
    const started = await ws.waitForEvent({ event: 'started', env: 'env1' });
    expect(started.argv).toEqual(expect.arrayContaining(['--port', String(port)]));
    await expect
      .poll(() => readFileSync(logFile, 'utf8'), { timeout: 15_000 })
      .toContain('fake ComfyUI (env1) listening');
    expect(logFile).toBe(join(ws.metadataDir, 'orchestrator.log'));
  });

  it('test_spawn_orchestrator_uses_bundled_venv (ours: Node and our CLI, never the environment python)', async () => {
    const ws = await bridgeWorkspace();
    roots.push(ws.root);
    const { pid } = await spawnSupervisor({
      workspace: ws.root,
      environment: 'env1',
      args: ['--port', String(await freePort())],
    });
    trackPid(pid);
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(process.execPath);
  });

  it('test_spawn_orchestrator_fails_without_venv (ours: a supervisor that dies reports the log tail)', async () => {
    const ws = await bridgeWorkspace();
    roots.push(ws.root);
    await expect(
      spawnSupervisor({ workspace: ws.root, environment: 'ghost', args: [] }),
    ).rejects.toMatchObject({
      code: 'SUPERVISOR_SPAWN_FAILED',
      logTail: expect.stringMatching(/environment "ghost" does not exist/),
    });
  });

  it('test_lazy_supervision_no_spawn_on_startup: an unsupervised ComfyUI runs without any supervisor', async () => {
    const ws = await bridgeWorkspace();
    roots.push(ws.root);
    const comfy = track(
      execa(
        join(ws.envDir('env1'), '.venv', 'bin', 'python'),
        ['main.py', '--port', String(await freePort())],
        { cwd: join(ws.envDir('env1'), 'ComfyUI'), reject: false },
      ),
    );
    await ws.waitForEvent({ event: 'listening' });
    expect(existsSync(join(ws.metadataDir, '.orchestrator.pid'))).toBe(false);
    comfy.kill('SIGTERM');
  });

  it('test_supervised_process_no_spawn: a supervised caller writes the request and exits 43, nothing is spawned', async () => {
    const ws = await bridgeWorkspace();
    roots.push(ws.root);
    const result = await requestSwitch({
      target: 'env2',
      source: 'env1',
      workspace: ws.root,
      env: { ...process.env, COMFYGIT_SUPERVISED: '1' },
    });
    expect(result).toMatchObject({ status: 'switching', next: 'exit_43', spawned: null });
    expect(existsSync(join(ws.metadataDir, '.switch_request.json'))).toBe(true);
    expect(existsSync(join(ws.metadataDir, '.orchestrator.pid'))).toBe(false);
  });

  it('test_first_switch_triggers_spawn + test_orchestrator_survives_parent_death: an unsupervised ComfyUI asks, exits 43, the target comes up', async () => {
    const ws = await bridgeWorkspace();
    roots.push(ws.root);
    const port = await freePort();
    // The unsupervised ComfyUI (env1) is running.
    const comfy = track(
      execa(join(ws.envDir('env1'), '.venv', 'bin', 'python'), ['main.py', '--port', String(port)], {
        cwd: join(ws.envDir('env1'), 'ComfyUI'),
        reject: false,
        env: { COMFYGIT_SUPERVISED: '' },
      }),
    );
    await ws.waitForEvent({ event: 'listening', env: 'env1' });
    // Its custom node asks for the switch through the bridge CLI (a process that ends right after).
    const asked = await execa(
      process.execPath,
      [BRIDGE_BIN, 'switch', 'env2', '--json', '--workspace', ws.root, '--', '--port', String(port)],
      {
        cwd: join(ws.envDir('env1'), 'ComfyUI'),
        env: { COMFYGIT_SUPERVISED: '', COMFYGIT_HOME: ws.root },
        reject: false,
      },
    );
    expect(asked.exitCode, `${asked.stdout}\n${asked.stderr}`).toBe(0);
    const answer = JSON.parse(asked.stdout);
    expect(answer).toMatchObject({
      status: 'switching',
      next: 'exit_43',
      source: 'env1',
      spawned: { pid: expect.any(Number) },
    });
    const supervisor = answer.spawned.pid as number;
    trackPid(supervisor);
    // ComfyUI exits with 43, as ComfyGit's panel makes it do.
    await httpJson(`http://127.0.0.1:${port}/exit/43`, { method: 'POST' });
    await comfy;
    await ws.waitForEvent({ event: 'listening', env: 'env2' });
    await expect
      .poll(async () => (await readSwitchStatus(ws.metadataDir))?.state, { timeout: 20_000 })
      .toBe('complete');
    expect((await httpJson(`http://127.0.0.1:${port}/system_stats`)).body).toMatchObject({
      environment: 'env2',
      supervised: '1',
    });
    expect(isAlive(supervisor)).toBe(true); // it outlived the bridge process that spawned it
  });
});
