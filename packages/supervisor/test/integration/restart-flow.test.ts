// The restart flow with real processes: the supervisor (fixtures/run-supervisor.mjs over dist/)
// running the fake ComfyUI of a throw-away workspace.
// Python counterparts: testing/integration/test_restart_flow.py at 57c5958 of comfygit-manager,
// named on each test below (`py:`); the Python tests mock the process, these run it for real.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readControlPort, readPidFile } from '@comfyvisor/ipc-files';
import { isAlive } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { eventsOf, exitOf, lastIndex, startSupervised, syncLog } from './helpers.ts';

describe('restart flow', () => {
  // py: test_orchestrator_handles_restart, test_orchestrator_syncs_on_each_restart,
  //     test_orchestrator_preserves_environment_across_restarts
  //     (and test_comfyui_restart_without_orchestrator / test_cli_restart_loop_handles_exit_42:
  //     exit 42 is what asks for it)
  it('restarts on exit 42 three times, syncing the same environment before each start', async () => {
    const run = await startSupervised({
      orchestrator: {
        sync_enabled: true,
        // {workspace} is substituted by the supervisor: this is <ws>/sync.log
        sync_command: ['sh', '-c', 'echo {env} >> "{workspace}/sync.log"'],
      },
    });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    let previous = first;
    for (let i = 0; i < 3; i++) {
      const after = await lastIndex(run.ws);
      await run.exitComfyui(42);
      await run.ws.waitForEvent({ event: 'exited', pid: previous.pid, code: 42 }, { after: previous.index });
      previous = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after });
    }
    const started = await eventsOf(run.ws, 'started');
    expect(started.map((e) => e.env)).toEqual(['env1', 'env1', 'env1', 'env1']);
    expect(new Set(started.map((e) => e.pid)).size).toBe(4);
    expect(await syncLog(run.ws)).toEqual(['env1', 'env1', 'env1', 'env1']);
    // Still supervising: a restart is not an exit.
    expect(run.sup.exitCode).toBeNull();
    expect((await run.stats()).body.environment).toBe('env1');
  });

  // py: none (ComfyUI-Manager's "Restart" under a CLI session: __COMFY_CLI_SESSION__ + exit 0)
  it("restarts on ComfyUI-Manager's reboot (session marker + exit 0)", async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const reboot = await fetch(`http://127.0.0.1:${run.port}/manager/reboot`, { method: 'POST' });
    expect(await reboot.json()).toEqual({ rebooting: true, marker: true });
    await run.ws.waitForEvent({ event: 'exited', pid: first.pid, code: 0 }, { after: first.index });
    const next = await run.ws.waitForEvent({ event: 'started', env: 'env1' }, { after: first.index });
    expect(next.pid).not.toBe(first.pid);
    await run.ws.waitForEvent({ event: 'listening', pid: next.pid });
    // The marker is consumed, so the next plain exit 0 is a real stop.
    expect(existsSync(join(run.ws.metadataDir, `.comfyvisor-session-${run.pid}.reboot`))).toBe(false);
    expect(run.sup.exitCode).toBeNull();
    expect(run.stderr()).toMatch(/ComfyUI-Manager asked for a restart/);
  });

  // py: test_orchestrator_handles_restart (its last process exits 0 and run_forever returns),
  //     test_cli_restart_loop_handles_exit_42 (exit 0 ends the loop)
  it('a plain exit 0 stops the supervisor with exit code 0 and no new start', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await run.exitComfyui(0);
    const result = await exitOf(run);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/ComfyUI exited cleanly; stopping/);
    expect(await eventsOf(run.ws, 'started')).toHaveLength(1);
    expect(isAlive(first.pid)).toBe(false);
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
    expect(await readControlPort(run.ws.metadataDir)).toBeNull();
  });

  // py: test_supervised_flag_prevents_nested_orchestrators,
  //     test_orchestrator_spawn_on_first_switch_not_restart (a supervised process must see
  //     COMFYGIT_SUPERVISED=1 so it never spawns a supervisor of its own)
  it('the child sees COMFYGIT_SUPERVISED=1, and gets --cpu when the environment has no torch', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const { status, body } = await run.stats();
    expect(status).toBe(200);
    expect(body.supervised).toBe('1');
    expect(body.environment).toBe('env1');
    // <env>/ComfyUI/main.py <backend flags> <extra_args> <ComfyUI args>
    expect(body.argv).toEqual([
      join(run.ws.envDir('env1'), 'ComfyUI', 'main.py'),
      '--cpu',
      '--port',
      String(run.port),
    ]);
  });

  // py: none (backend flags)
  it.each([
    ['2.5.1+cu121', false],
    ['2.4.0+rocm6.1', false],
    ['2.5.1+cpu', true],
  ])('torch %s: --cpu passed = %s', async (torchVersion, cpu) => {
    const run = await startSupervised({ torchVersion });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const { body } = await run.stats();
    expect(body.supervised).toBe('1');
    expect(body.argv.includes('--cpu')).toBe(cpu);
  });

  // py: none (issue 11: the cold start no longer waits for a Python asked about torch)
  it("torch's version from the disk: a dist-info, or an isolated venv without torch, asks no Python", async () => {
    for (const dist of ['2.5.1+cu121', null]) {
      const run = await startSupervised({
        prepare: async (ws) => {
          // The environment's python records each time it is run, then runs as itself.
          const bin = join(ws.envDir('env1'), '.venv', 'bin');
          const real = realpathSync(join(bin, 'python'));
          await rm(join(bin, 'python'));
          await writeFile(
            join(bin, 'python'),
            `#!/bin/sh\necho "$@" >> '${join(ws.root, 'python-runs')}'\nexec '${real}' "$@"\n`,
            { mode: 0o755 },
          );
          if (dist) {
            const site = (await readdir(join(ws.envDir('env1'), '.venv', 'lib')))[0] as string;
            const info = join(
              ws.envDir('env1'),
              '.venv',
              'lib',
              site,
              'site-packages',
              `torch-${dist}.dist-info`,
            );
            await mkdir(info, { recursive: true });
            await writeFile(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: torch\nVersion: ${dist}\n`);
          }
        },
      });
      await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
      expect((await run.stats()).body.argv.includes('--cpu'), String(dist)).toBe(dist === null);
      const runs = readFileSync(join(run.ws.root, 'python-runs'), 'utf8').trim().split('\n');
      expect(runs, String(dist)).toHaveLength(1); // ComfyUI itself, nothing else
      expect(runs[0]).toMatch(/ComfyUI\/main\.py/);
    }
  });

  // py: none (a ComfyUI killed from outside, as by the OOM killer, is a crash: restarted)
  it('a ComfyUI killed by SIGKILL from outside is restarted as a crash', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    process.kill(first.pid, 'SIGKILL');
    const next = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    expect(next.pid).not.toBe(first.pid);
    expect(run.stderr()).toMatch(/crashed: killed by SIGKILL/);
    expect(run.sup.exitCode).toBeNull();
  });
});

describe('per-environment args and variables (issue 20)', () => {
  it("comfyui.env and environments.<name> reach that environment's ComfyUI, and only its own", async () => {
    const run = await startSupervised({
      comfyui: { extra_args: ['--lowvram'], env: { TEST_GLOBAL: 'g', TEST_SHARED: 'global' } },
      environments: {
        env1: { extra_args: ['--highvram'], env: { CUDA_VISIBLE_DEVICES: '1', TEST_SHARED: 'env1' } },
        env2: { extra_args: ['--novram'], env: { CUDA_VISIBLE_DEVICES: '0' } },
      },
    });
    const started = await run.ws.waitForEvent({ event: 'started', env: 'env1' });
    const args = started.argv ?? [];
    expect(args.indexOf('--lowvram')).toBeGreaterThan(-1);
    expect(args.indexOf('--highvram')).toBe(args.indexOf('--lowvram') + 1);
    expect(args).not.toContain('--novram');
    expect(started.env_seen).toEqual({ TEST_GLOBAL: 'g', TEST_SHARED: 'env1', CUDA_VISIBLE_DEVICES: '1' });
  });
});

describe('the config read again before each start (as the reference)', () => {
  it('extra_args and variables saved while ComfyUI runs apply at the next restart', async () => {
    const run = await startSupervised({ comfyui: { extra_args: ['--lowvram'] } });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const file = join(run.ws.metadataDir, 'orchestrator_config.json');
    const config = JSON.parse(await readFile(file, 'utf8'));
    config.comfyui = { ...config.comfyui, extra_args: ['--highvram'], env: { TEST_SAVED: 'yes' } };
    await writeFile(file, JSON.stringify(config, null, 2));
    await run.exitComfyui(42);
    const started = await run.ws.waitForEvent({ event: 'started', env: 'env1' }, { after: first.index });
    expect(started.argv).toContain('--highvram');
    expect(started.argv).not.toContain('--lowvram');
    expect(started.env_seen).toMatchObject({ TEST_SAVED: 'yes' });
  });
});

describe("ComfyUI's output", () => {
  it('is kept in comfyui.log for as long as ComfyUI runs, not only its first second', async () => {
    const run = await startSupervised({ behaviour: { env1: { mode: 'slow', startDelayMs: 1_500 } } });
    await run.ws.waitForEvent({ event: 'listening' }, { timeoutMs: 20_000 });
    const log = join(run.ws.metadataDir, 'comfyui.log');
    await expect
      .poll(() => (existsSync(log) ? readFileSync(log, 'utf8') : ''), {
        timeout: 5_000,
        message: 'the late line in comfyui.log',
      })
      .toContain('fake ComfyUI (env1) listening');
  });
});
