// Counterparts of the Python suite's testing/unit/test_orchestrator_loop.py and the loop parts of
// testing/integration/test_restart_flow.py, with fakes for spawn, sync, health and clock.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSwitchStatus, writeSwitchRequest } from '@comfyvisor/ipc-files';
import { waitFor } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { deps, fakeSpawner, fakeWorkspace, recordingSync, testSettings } from '../test/fakes.ts';
import { backendFlags } from './backend-flags.ts';
import { claimPidFile } from './pid-claim.ts';
import { Supervisor } from './supervisor.ts';

/** Exits each spawned fake with the next code of `codes` (then leaves it running). */
function exitWith(codes: Array<number | null>) {
  return fakeSpawner((proc, index) => {
    const code = codes[index];
    if (code !== undefined) proc.exit(code);
  });
}

describe('the loop (test_orchestrator_loop)', () => {
  it('test_orchestrator_init: starts in the given environment', () => {
    const sup = new Supervisor(deps(fakeWorkspace()));
    expect(sup.snapshot()).toMatchObject({ currentEnv: 'env1', switching: null, comfyui: null });
  });

  it('test_orchestrator_writes_pid_on_init: the pid file is claimed exclusively', async () => {
    const ws = fakeWorkspace();
    const dir = join(ws, '.metadata');
    await claimPidFile(dir, () => false);
    expect(readFileSync(join(dir, '.orchestrator.pid'), 'utf8')).toBe(String(process.pid));
    writeFileSync(join(dir, '.orchestrator.pid'), '4242');
    await expect(claimPidFile(dir, (pid) => pid === 4242)).rejects.toMatchObject({
      code: 'SUPERVISOR_ALREADY_RUNNING',
      pid: 4242,
    });
    // a reused pid (alive, not a supervisor) neither blocks nor is believed
    await claimPidFile(dir, () => false);
    expect(readFileSync(join(dir, '.orchestrator.pid'), 'utf8')).toBe(String(process.pid));
  });

  it('test_handle_restart_exit_code: 42 restarts the same environment, synced each time', async () => {
    const ws = fakeWorkspace();
    const { spawn, spawned } = exitWith([42, 42, 42, 0]);
    const { sync, calls } = recordingSync();
    const code = await new Supervisor(deps(ws, { spawn, sync })).run();
    expect(code).toBe(0);
    expect(spawned).toHaveLength(4);
    expect(spawned.map((p) => p.options.cwd)).toEqual(
      Array(4).fill(join(ws, 'environments', 'env1', 'ComfyUI')),
    );
    // test_sync_environment_before_start / test_orchestrator_syncs_on_each_restart
    expect(calls).toEqual(['env1', 'env1', 'env1', 'env1']);
  });

  it('test_handle_switch_exit_code: 43 with a request switches, health-checks, completes', async () => {
    const ws = fakeWorkspace();
    const dir = join(ws, '.metadata');
    const { spawn, spawned } = fakeSpawner(async (proc, index) => {
      if (index === 0) {
        await writeSwitchRequest(dir, { targetEnv: 'env2', sourceEnv: 'env1' });
        proc.exit(43);
      }
      if (index === 1) setTimeout(() => proc.exit(0), 5);
    });
    const statuses: string[] = [];
    const sup = new Supervisor(
      deps(ws, {
        spawn,
        healthCheck: async () => {
          statuses.push((await readSwitchStatus(dir))?.state ?? 'none');
          return { healthy: true, afterMs: 1, probes: 3 };
        },
      }),
    );
    expect(await sup.run()).toBe(0);
    expect(spawned[1]?.options.cwd).toBe(join(ws, 'environments', 'env2', 'ComfyUI'));
    expect(statuses).toEqual(['validating']);
    expect(existsSync(join(dir, '.switch_request.json'))).toBe(false);
    expect(sup.snapshot().currentEnv).toBe('env2');
  });

  it('test_handle_clean_exit: 0 stops with 0; with the Manager reboot marker it restarts', async () => {
    const ws = fakeWorkspace();
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) {
        writeFileSync(`${proc.options.env.__COMFY_CLI_SESSION__}.reboot`, '');
        proc.exit(0);
      } else proc.exit(0);
    });
    expect(await new Supervisor(deps(ws, { spawn })).run()).toBe(0);
    expect(spawned).toHaveLength(2);
  });

  it('test_handle_crash_exit: restarts with backoff, then gives up with a failed status and exit 1', async () => {
    const ws = fakeWorkspace();
    const { spawn, spawned } = exitWith([1, 1, 1, 1]);
    const sleeps: number[] = [];
    const code = await new Supervisor(
      deps(ws, { spawn, clock: { now: () => 0, sleep: async (ms) => void sleeps.push(ms) } }),
    ).run();
    expect(code).toBe(1);
    expect(spawned).toHaveLength(3); // 2 restarts allowed, the 3rd crash gives up
    expect(sleeps).toEqual([10, 20]);
    const status = await readSwitchStatus(join(ws, '.metadata'));
    expect(status).toMatchObject({ state: 'failed' });
    expect(status?.error).toContain('RuntimeError: boom');
  });

  it('extra_args recovery: a crash with extra_args retries once without them (recovering)', async () => {
    const ws = fakeWorkspace();
    const { spawn, spawned } = exitWith([1, 0]);
    const settings = { ...testSettings, extraArgs: ['--bad-flag'] };
    expect(await new Supervisor(deps(ws, { spawn, settings })).run()).toBe(0);
    expect(spawned[0]?.options.args).toContain('--bad-flag');
    expect(spawned[1]?.options.args).not.toContain('--bad-flag');
    expect((await readSwitchStatus(join(ws, '.metadata')))?.state).toBe('recovering');
  });

  it('test_start_comfyui_uses_environment_python, _passes_args, _sets_supervised_env_var', async () => {
    const ws = fakeWorkspace();
    const { spawn, spawned } = exitWith([0]);
    const settings = { ...testSettings, extraArgs: ['--lowvram'] };
    await new Supervisor(deps(ws, { spawn, settings, args: ['--listen', '--port', '8199'] })).run();
    const options = spawned[0]?.options;
    const env1 = join(ws, 'environments', 'env1');
    expect(options?.command).toBe(join(env1, '.venv', 'bin', 'python'));
    expect(options?.args).toEqual([
      join(env1, 'ComfyUI', 'main.py'),
      '--cpu',
      '--lowvram',
      '--listen',
      '--port',
      '8199',
    ]);
    expect(options?.env.COMFYGIT_SUPERVISED).toBe('1');
    expect(options?.env.__COMFY_CLI_SESSION__).toContain('.metadata');
  });

  it('test_handle_sigterm and test_handle_sigint: ComfyUI is stopped and the loop ends with 0', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const ws = fakeWorkspace();
      let sup: Supervisor | undefined;
      const { spawn, spawned } = fakeSpawner(() => sup?.signal(signal));
      sup = new Supervisor(deps(ws, { spawn }));
      expect(await sup.run()).toBe(0);
      expect(spawned[0]?.stops).toBe(1);
    }
  });
});

describe('switch and health (test_health_checking, supervisor part)', () => {
  it('a failed health check rolls back to the source and reports failed', async () => {
    const ws = fakeWorkspace();
    const dir = join(ws, '.metadata');
    const seen: string[] = [];
    const { spawn, spawned } = fakeSpawner(async (proc, index) => {
      if (index === 0) {
        await writeSwitchRequest(dir, { targetEnv: 'env2', sourceEnv: 'env1' });
        proc.exit(43);
      }
      if (index === 2) {
        await waitFor(async () => (await readSwitchStatus(dir))?.state === 'failed', {
          timeoutMs: 2_000,
          intervalMs: 1,
        });
        seen.push((await readSwitchStatus(dir))?.state ?? 'none');
        proc.exit(0);
      }
    });
    const sup = new Supervisor(
      deps(ws, {
        spawn,
        settings: { ...testSettings, statusClearMs: 60_000 },
        healthCheck: async () => ({ healthy: false, reason: 'exited', exitCode: 1, afterMs: 5, probes: 1 }),
      }),
    );
    expect(await sup.run()).toBe(0);
    expect(spawned.map((p) => p.options.cwd.split('/').at(-2))).toEqual(['env1', 'env2', 'env1']);
    expect(spawned[1]?.stops).toBe(1);
    expect(seen[0]).toBe('failed');
  });

  it('bad requests keep the current environment: corrupt, missing env, traversal, a number', async () => {
    for (const body of [
      '{corrupt',
      '{"target_env": "nope"}',
      '{"target_env": "../x"}',
      '{"target_env": 5}',
      '',
    ]) {
      const ws = fakeWorkspace();
      const dir = join(ws, '.metadata');
      const seen: { status: Awaited<ReturnType<typeof readSwitchStatus>> } = { status: null };
      const { spawn, spawned } = fakeSpawner(async (proc, index) => {
        if (index === 0) {
          writeFileSync(join(dir, '.switch_request.json'), body);
          proc.exit(43);
        } else {
          seen.status = await readSwitchStatus(dir);
          proc.exit(0);
        }
      });
      expect(
        await new Supervisor(deps(ws, { spawn, settings: { ...testSettings, statusClearMs: 60_000 } })).run(),
      ).toBe(0);
      expect(spawned.map((p) => p.options.cwd.split('/').at(-2))).toEqual(['env1', 'env1']);
      expect(seen.status?.state, body).toBe('failed');
      expect(seen.status?.error, body).toBeTruthy();
      expect(existsSync(join(dir, '.switch_request.json'))).toBe(false);
    }
  });

  it('a request waiting at start-up is honoured first', async () => {
    const ws = fakeWorkspace();
    await writeSwitchRequest(join(ws, '.metadata'), { targetEnv: 'env2', sourceEnv: 'env1' });
    const { spawn, spawned } = exitWith([0]);
    await new Supervisor(deps(ws, { spawn })).run();
    expect(spawned[0]?.options.cwd).toBe(join(ws, 'environments', 'env2', 'ComfyUI'));
  });

  it('commands: restart, switch, unknown dropped, shutdown', async () => {
    const ws = fakeWorkspace();
    let sup: Supervisor | undefined;
    const { spawn, spawned } = fakeSpawner((_proc, index) => {
      if (index === 0) sup?.send({ command: 'restart' });
      if (index === 1) sup?.send({ command: 'switch', targetEnv: 'nope' });
      if (index === 1) sup?.send({ command: 'switch', targetEnv: 'env2' });
      if (index === 2) sup?.send({ command: 'shutdown' });
    });
    sup = new Supervisor(deps(ws, { spawn }));
    expect(await sup.run()).toBe(0);
    expect(spawned.map((p) => p.options.cwd.split('/').at(-2))).toEqual(['env1', 'env1', 'env2']);
    expect(spawned.every((p) => p.stops === 1)).toBe(true);
  });
});

describe('backend flags', () => {
  it('--cpu without a CUDA/ROCm torch on Linux and Windows; nothing on macOS', () => {
    expect(backendFlags(null, 'linux')).toEqual(['--cpu']);
    expect(backendFlags('2.5.1', 'win32')).toEqual(['--cpu']);
    expect(backendFlags('2.5.1+cpu', 'linux')).toEqual(['--cpu']);
    expect(backendFlags('2.5.1+cu121', 'linux')).toEqual([]);
    expect(backendFlags('2.4.0+rocm6.1', 'linux')).toEqual([]);
    expect(backendFlags(null, 'darwin')).toEqual([]);
  });
});
