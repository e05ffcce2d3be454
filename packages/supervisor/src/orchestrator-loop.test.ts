// Counterparts of the Python suite's testing/unit/test_orchestrator_loop.py and the loop parts of
// testing/integration/test_restart_flow.py: a memory store, fake spawn, sync, health and clock.
import type { SwitchState } from '@comfyvisor/ipc-files';
import { fakeClock } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import {
  deps,
  exitWith,
  fakeSpawner,
  healthy,
  memoryStore,
  recordingLogger,
  recordingSync,
  sick,
  testSettings,
} from '../test/fakes.ts';
import { CommandIntake } from './command-intake.ts';
import { Supervisor } from './supervisor.ts';
import type { SupervisorEvent } from './supervisor-event.ts';

const envOf = (cwd: string) => cwd.split('/').at(-2);

/** A store as a supervisor that died mid-switch (env1 to env2) left it: the status at `state`, the lock held. */
function deadSwitchStore(state: SwitchState, progress: number) {
  const store = memoryStore();
  store.diskStatus = { state, progress, message: '', updatedAt: 0, targetEnv: 'env2', sourceEnv: 'env1' };
  store.lock = true;
  return store;
}

describe('the loop (test_orchestrator_loop)', () => {
  it('test_orchestrator_init: starts in the given environment', () => {
    const sup = new Supervisor(deps());
    expect(sup.snapshot()).toMatchObject({ currentEnv: 'env1', switching: null, comfyui: null });
  });

  it('test_handle_restart_exit_code: 42 restarts the same environment, synced each time', async () => {
    const { spawn, spawned } = exitWith([42, 42, 42, 0]);
    const { sync, calls } = recordingSync();
    const events: SupervisorEvent[] = [];
    const code = await new Supervisor(deps({ spawn, sync, record: (e) => events.push(e) })).run();
    expect(code).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env1', 'env1', 'env1']);
    // test_sync_environment_before_start / test_orchestrator_syncs_on_each_restart
    expect(calls).toEqual(['env1', 'env1', 'env1', 'env1']);
    expect(events.filter((e) => e.type === 'restart').map((e) => e.type === 'restart' && e.reason)).toEqual([
      'exit_42',
      'exit_42',
      'exit_42',
    ]);
  });

  it('test_handle_switch_exit_code: 43 with a request switches, health-checks, completes', async () => {
    const store = memoryStore();
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        store.lock = true;
        proc.exit(43);
      }
      if (index === 1) proc.exit(0);
    });
    const sup = new Supervisor(deps({ store, spawn }));
    expect(await sup.run()).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env2']);
    expect(store.statuses.map((s) => s.state)).toEqual([
      'preparing',
      'syncing',
      'starting',
      'validating',
      'complete',
    ]);
    expect(store.lastStatus()).toMatchObject({ targetEnv: 'env2', sourceEnv: 'env1' });
    expect(store.lock).toBe(false);
    expect(sup.snapshot().currentEnv).toBe('env2');
  });

  it('test_handle_clean_exit: 0 stops with 0; with the Manager reboot marker it restarts', async () => {
    const store = memoryStore();
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) store.rebootMarker = true;
      proc.exit(0);
    });
    const sup = new Supervisor(deps({ store, spawn }));
    // the workspace adapter's part: .cmd reaches the core through the intake
    const intake = new CommandIntake(store, recordingLogger(), (command) => sup.send(command));
    intake.start();
    expect(await sup.run()).toBe(0);
    intake.stop();
    expect(spawned).toHaveLength(2);
  });

  it('test_handle_crash_exit: restarts with backoff, then gives up with critical_failure and exit 1', async () => {
    const store = memoryStore();
    const { spawn, spawned } = exitWith([1, 1, 1, 1]);
    const clock = fakeClock();
    const code = await new Supervisor(deps({ store, spawn, world: { clock, pid: 1, env: {} } })).run();
    expect(code).toBe(1);
    expect(spawned).toHaveLength(3); // 2 restarts allowed, the 3rd crash gives up
    expect(clock.sleeps).toEqual([10, 20]);
    expect(store.lastStatus()).toMatchObject({ state: 'critical_failure' });
    expect(store.lastStatus()?.error).toContain('RuntimeError: boom');
  });

  it('extra_args recovery: a crash with extra_args retries once without them (recovering)', async () => {
    const store = memoryStore();
    const { spawn, spawned } = exitWith([1, 0]);
    const settings = { ...testSettings, extraArgs: ['--bad-flag'] };
    expect(await new Supervisor(deps({ store, spawn, settings })).run()).toBe(0);
    expect(spawned[0]?.options.args).toContain('--bad-flag');
    expect(spawned[1]?.options.args).not.toContain('--bad-flag');
    expect(store.lastStatus()?.state).toBe('recovering');
  });

  it('test_start_comfyui_uses_environment_python, _passes_args, _sets_supervised_env_var', async () => {
    const { spawn, spawned } = exitWith([0]);
    const settings = { ...testSettings, extraArgs: ['--lowvram'] };
    await new Supervisor(deps({ spawn, settings, args: ['--listen', '--port', '8199'] })).run();
    const options = spawned[0]?.options;
    expect(options?.command).toBe('/ws/environments/env1/.venv/bin/python');
    expect(options?.args).toEqual([
      '/ws/environments/env1/ComfyUI/main.py',
      '--cpu',
      '--lowvram',
      '--listen',
      '--port',
      '8199',
    ]);
    expect(options?.env.COMFYGIT_SUPERVISED).toBe('1');
    expect(options?.env.__COMFY_CLI_SESSION__).toBe('/ws/.metadata/.comfyvisor-session-1');
  });

  it('test_handle_sigterm and test_handle_sigint: ComfyUI is stopped and the loop ends with 0', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      let sup: Supervisor | undefined;
      const { spawn, spawned } = fakeSpawner(() => sup?.signal(signal));
      sup = new Supervisor(deps({ spawn }));
      expect(await sup.run()).toBe(0);
      expect(spawned[0]?.stops).toBe(1);
    }
  });
});

describe('switch, health and rollback: every switch ends complete, rolled_back or critical_failure', () => {
  it('a failed health check rolls back, checks the source again, and ends rolled_back', async () => {
    const store = memoryStore();
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        proc.exit(43);
      }
      if (index === 2) proc.exit(0);
    });
    const checks: string[] = [];
    const healthCheck = async (proc: { pid: number }) => {
      checks.push(envOf(spawned.find((p) => p.pid === proc.pid)?.options.cwd ?? '') ?? '');
      return checks.length === 1 ? sick() : healthy();
    };
    expect(await new Supervisor(deps({ store, spawn, healthCheck })).run()).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env2', 'env1']);
    expect(checks).toEqual(['env2', 'env1']);
    expect(spawned[1]?.stops).toBe(1);
    const final = store.lastStatus();
    expect(final?.state).toBe('rolled_back');
    expect(final?.message).toContain('env2');
    expect(final?.error).toContain('env2');
    expect(final).toMatchObject({ targetEnv: 'env2', sourceEnv: 'env1' });
    expect(store.statuses.map((s) => s.state)).not.toContain('failed');
  });

  it('the rollback failing too ends critical_failure, saying what to do', async () => {
    const store = memoryStore();
    const { spawn } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        proc.exit(43);
      }
    });
    const sup = new Supervisor(
      deps({ store, spawn, healthCheck: sick, settings: { ...testSettings, crashMaxRestarts: 0 } }),
    );
    expect(await sup.run()).toBe(1);
    const critical = store.statuses.find((s) => s.state === 'critical_failure');
    expect(critical?.message).toMatch(/Rollback failed: env1 is not healthy either.*comfyvisor/);
    expect(store.lock).toBe(false);
  });

  it('a target that cannot start (no interpreter) rolls back to the source', async () => {
    const store = memoryStore();
    store.broken.add('env2');
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        proc.exit(43);
      } else proc.exit(0);
    });
    expect(await new Supervisor(deps({ store, spawn })).run()).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env1']);
    expect(store.lastStatus()).toMatchObject({ state: 'rolled_back', targetEnv: 'env2' });
    expect(store.lastStatus()?.error).toContain('no interpreter');
  });

  it('bad requests keep the current environment: corrupt, missing env, traversal, a number', async () => {
    const requests = [
      [{ kind: 'invalid', reason: 'not valid JSON' }, /unreadable \(not valid JSON\)/],
      [{ kind: 'ok', targetEnv: 'nope', sourceEnv: null }, /environment "nope" does not exist/],
      [{ kind: 'ok', targetEnv: '../x', sourceEnv: null }, /invalid environment name/],
      [{ kind: 'ok', targetEnv: 5 as unknown as string, sourceEnv: null }, /invalid environment name/],
      [{ kind: 'missing' }, /exit 43 without a switch request/],
    ] as const;
    for (const [request, reason] of requests) {
      const store = memoryStore();
      const { spawn, spawned } = fakeSpawner((proc, index) => {
        if (index === 0) {
          store.request = request;
          store.lock = true;
          proc.exit(43);
        } else proc.exit(0);
      });
      expect(await new Supervisor(deps({ store, spawn })).run()).toBe(0);
      expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env1']);
      expect(store.lastStatus()?.state, request.kind).toBe('rolled_back');
      expect(store.lastStatus()?.error, request.kind).toMatch(reason);
      expect(store.lock).toBe(false);
    }
  });

  it('a request waiting at start-up is honoured first', async () => {
    const store = memoryStore();
    store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
    const { spawn, spawned } = exitWith([0]);
    await new Supervisor(deps({ store, spawn })).run();
    expect(envOf(spawned[0]?.options.cwd ?? '')).toBe('env2');
    expect(store.lastStatus()?.state).toBe('complete');
  });

  it('a switch left in progress by a dead supervisor is closed at start-up, its lock released', async () => {
    const store = deadSwitchStore('validating', 80);
    const { spawn } = exitWith([0]);
    await new Supervisor(deps({ store, spawn })).run();
    expect(store.statuses[0]).toMatchObject({ state: 'rolled_back', targetEnv: 'env2' });
    expect(store.statuses[0]?.error).toContain('interrupted');
    expect(store.lock).toBe(false);
  });

  it('a dead switch to the environment we were started for is run again and validated', async () => {
    const store = deadSwitchStore('starting', 60);
    const { spawn } = exitWith([0]);
    await new Supervisor(deps({ store, spawn, environment: 'env2' })).run();
    expect(store.lastStatus()).toMatchObject({ state: 'complete', targetEnv: 'env2' });
    expect(store.lock).toBe(false);
  });

  it('a stop during a switch leaves critical_failure and no lock', async () => {
    const store = memoryStore();
    store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
    store.lock = true;
    let sup: Supervisor | undefined;
    const healthCheck = async () => {
      sup?.signal('SIGTERM');
      return { healthy: false as const, reason: 'aborted' as const, afterMs: 1, probes: 0 };
    };
    sup = new Supervisor(deps({ store, healthCheck }));
    expect(await sup.run()).toBe(0);
    expect(store.lastStatus()?.state).toBe('critical_failure');
    expect(store.lastStatus()?.message).toContain('comfyvisor run');
    expect(store.lock).toBe(false);
  });
});

describe('commands', () => {
  it('restart, an unknown switch target refused, switch, shutdown', async () => {
    let sup: Supervisor | undefined;
    const { spawn, spawned } = fakeSpawner((_proc, index) => {
      if (index === 0) sup?.send({ command: 'restart' });
      if (index === 1) sup?.send({ command: 'switch', targetEnv: 'nope' });
      if (index === 1) sup?.send({ command: 'switch', targetEnv: 'env2' });
      if (index === 2) sup?.send({ command: 'shutdown' });
    });
    const store = memoryStore();
    sup = new Supervisor(deps({ store, spawn }));
    expect(await sup.run()).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env1', 'env2']);
    expect(spawned.every((p) => p.stops === 1)).toBe(true);
    expect(store.statuses.find((s) => s.targetEnv === 'nope')?.state).toBe('rolled_back');
  });

  it('commands arriving through .cmd are delivered; unknown and unreadable ones are dropped', async () => {
    const store = memoryStore();
    const { spawn, spawned } = fakeSpawner((_proc, index) => {
      if (index === 0) {
        store.putCommand({ kind: 'unknown', raw: '{"command":"dance"}' });
        store.putCommand({ kind: 'invalid', reason: 'not a regular file' });
        store.putCommand({ kind: 'command', command: { command: 'restart', timestamp: 0, extra: {} } });
      }
      if (index === 1)
        store.putCommand({ kind: 'command', command: { command: 'shutdown', timestamp: 0, extra: {} } });
    });
    const sup = new Supervisor(deps({ store, spawn }));
    // the workspace adapter's part: .cmd reaches the core through the intake
    const intake = new CommandIntake(store, recordingLogger(), (command) => sup.send(command));
    intake.start();
    expect(await sup.run()).toBe(0);
    intake.stop();
    expect(spawned).toHaveLength(2);
  });

  it('a storm of restarts while one is under way is merged into it', async () => {
    let sup: Supervisor | undefined;
    const clock = fakeClock();
    const { spawn, spawned } = fakeSpawner((_proc, index) => {
      if (index === 0) for (let i = 0; i < 200; i++) sup?.send({ command: 'restart' });
      if (index === 1) sup?.send({ command: 'shutdown' });
    });
    // sync takes a moment on the clock, so the 199 later restarts are older than the next start
    const sync = async () => {
      await clock.sleep(5);
      return { ok: true as const, skipped: true as const, reason: 'test' };
    };
    sup = new Supervisor(deps({ spawn, sync, world: { clock, pid: 1, env: {} } }));
    expect(await sup.run()).toBe(0);
    expect(spawned).toHaveLength(2);
  });
});

describe('a status file that cannot be written never stops ComfyUI', () => {
  it('read-only .metadata: the switch goes on, one warning is logged', async () => {
    const store = memoryStore();
    store.readOnly = true;
    store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
    const logger = recordingLogger();
    const { spawn, spawned } = exitWith([0]);
    expect(await new Supervisor(deps({ store, spawn, logger })).run()).toBe(0);
    expect(envOf(spawned[0]?.options.cwd ?? '')).toBe('env2');
    expect(logger.lines.filter((l) => l.includes('could not write the switch status'))).toHaveLength(1);
  });
});

describe('hung ComfyUI (liveness)', () => {
  const liveness = { ...testSettings, livenessEnabled: true, livenessIntervalMs: 1_000, livenessFailures: 3 };

  it('armed by a first answer, 3 silent probes make it hung: stopped, restarted, counted', async () => {
    const answers = [true, false, false, false];
    let sup: Supervisor | undefined;
    const events: SupervisorEvent[] = [];
    const { spawn, spawned } = fakeSpawner((_proc, index) => {
      if (index === 1) sup?.send({ command: 'shutdown' });
    });
    sup = new Supervisor(
      deps({
        spawn,
        settings: liveness,
        livenessProbe: async () => answers.shift() ?? true,
        record: (e) => events.push(e),
      }),
    );
    expect(await sup.run()).toBe(0);
    expect(spawned).toHaveLength(2);
    expect(spawned[0]?.stops).toBe(1);
    expect(events.find((e) => e.type === 'hung')).toMatchObject({ failures: 3, env: 'env1' });
    expect(events.find((e) => e.type === 'restart')).toMatchObject({ reason: 'hung' });
  });

  it('a ComfyUI that never answered yet (still loading) and one that answers are never restarted', async () => {
    for (const answer of [false, true]) {
      let probes = 0;
      let sup: Supervisor | undefined;
      const { spawn, spawned } = fakeSpawner(() => {});
      sup = new Supervisor(
        deps({
          spawn,
          settings: liveness,
          livenessProbe: async () => {
            if (++probes === 20) sup?.send({ command: 'shutdown' });
            return answer;
          },
        }),
      );
      expect(await sup.run()).toBe(0);
      expect(spawned).toHaveLength(1);
      expect(probes).toBeGreaterThanOrEqual(20);
    }
  });

  it('a box that hangs over and over gives up like a crash loop', async () => {
    const store = memoryStore();
    const { spawn, spawned } = fakeSpawner(() => {});
    let n = 0;
    const sup = new Supervisor(
      deps({ store, spawn, settings: liveness, livenessProbe: async () => n++ % 4 === 0 }),
    );
    expect(await sup.run()).toBe(1);
    expect(spawned).toHaveLength(3);
    expect(store.lastStatus()?.state).toBe('critical_failure');
  });
});
