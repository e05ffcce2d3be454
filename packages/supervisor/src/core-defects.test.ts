// Issue 16's defects in the core, each with the case that failed before.
import { describe, expect, it } from 'vitest';
import { deps, fakeSpawner, healthy, memoryStore } from '../test/fakes.ts';
import { Supervisor } from './supervisor.ts';
import type { SupervisorEvent } from './supervisor-event.ts';

const envOf = (cwd: string) => cwd.split('/').at(-2);

describe('an exit 42 while a start is health-checked is a restart request, not a failure', () => {
  it('during the rollback: the source is restarted and checked again; the switch ends rolled_back', async () => {
    const store = memoryStore();
    const events: SupervisorEvent[] = [];
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        proc.exit(43);
      }
      if (index === 3) proc.exit(0);
    });
    const checks: string[] = [];
    const healthCheck = async (proc: { pid: number }) => {
      checks.push(envOf(spawned.find((p) => p.pid === proc.pid)?.options.cwd ?? '') ?? '');
      if (checks.length === 1)
        return { healthy: false as const, reason: 'timeout' as const, afterMs: 5, probes: 1 };
      // the source, being checked after the rollback, asks for a restart
      if (checks.length === 2)
        return { healthy: false as const, reason: 'exited' as const, exitCode: 42, afterMs: 5, probes: 1 };
      return healthy();
    };
    const sup = new Supervisor(deps({ store, spawn, healthCheck, record: (e) => events.push(e) }));
    expect(await sup.run()).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env2', 'env1', 'env1']);
    expect(checks).toEqual(['env2', 'env1', 'env1']);
    const states = store.statuses.map((s) => s.state);
    expect(states).not.toContain('critical_failure');
    expect(store.lastStatus()).toMatchObject({ state: 'rolled_back', targetEnv: 'env2', sourceEnv: 'env1' });
    expect(events.filter((e) => e.type === 'backoff' || e.type === 'give_up')).toEqual([]);
    expect(events.some((e) => e.type === 'restart' && e.reason === 'exit_42')).toBe(true);
    expect(events.some((e) => e.type === 'comfyui_exit' && e.meaning === 'crash' && e.env === 'env1')).toBe(
      false,
    );
  });

  it("during a switch's own check: the target is restarted and checked again; the switch completes", async () => {
    const store = memoryStore();
    const { spawn, spawned } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        proc.exit(43);
      }
      if (index === 2) proc.exit(0);
    });
    let n = 0;
    const healthCheck = async () =>
      ++n === 1
        ? { healthy: false as const, reason: 'exited' as const, exitCode: 42, afterMs: 5, probes: 1 }
        : healthy();
    expect(await new Supervisor(deps({ store, spawn, healthCheck })).run()).toBe(0);
    expect(spawned.map((p) => envOf(p.options.cwd))).toEqual(['env1', 'env2', 'env2']);
    expect(store.lastStatus()?.state).toBe('complete');
  });
});

describe('readiness', () => {
  it('a switch whose health check passed is ready at once (comfyui_ready), liveness armed', async () => {
    const store = memoryStore();
    const events: SupervisorEvent[] = [];
    let sup: Supervisor | undefined;
    const { spawn } = fakeSpawner((proc, index) => {
      if (index === 0) {
        store.request = { kind: 'ok', targetEnv: 'env2', sourceEnv: 'env1' };
        proc.exit(43);
      }
    });
    const record = (e: SupervisorEvent) => {
      events.push(e);
      if (e.type === 'comfyui_ready') queueMicrotask(() => sup?.send({ command: 'shutdown' }));
    };
    sup = new Supervisor(deps({ store, spawn, record }));
    expect(await sup.run()).toBe(0);
    expect(
      events.filter((e) => e.type === 'comfyui_ready').map((e) => e.type === 'comfyui_ready' && e.env),
    ).toEqual(['env2']);
  });
});

describe('recovery_command (issue 20)', () => {
  it('a critical_failure carries the command that brings ComfyUI back, naming comfyvisor and the workspace', async () => {
    const store = memoryStore();
    const { spawn } = fakeSpawner((proc) => proc.exit(1));
    const sup = new Supervisor(
      deps({
        store,
        spawn,
        args: ['--port', '8199', '--listen', "it's"],
        settings: { ...deps().settings, crashMaxRestarts: 0 },
      }),
    );
    expect(await sup.run()).toBe(1);
    expect(store.lastStatus()).toMatchObject({
      state: 'critical_failure',
      extra: {
        recovery_command: `comfyvisor run --workspace /ws --environment env1 --args --port 8199 --listen 'it'\\''s'`,
      },
    });
  });
});
