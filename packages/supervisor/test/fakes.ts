import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, HealthResult } from '@comfyvisor/health';
import type { ComfyuiExit, ComfyuiProcess, SpawnComfyuiOptions } from '../src/comfyui-process.ts';
import type { Logger } from '../src/logger.ts';
import type { Settings } from '../src/settings.ts';
import type { SupervisorDeps } from '../src/supervisor.ts';
import type { SyncResult } from '../src/sync.ts';

/** A workspace on disk with the files the supervisor checks (no real Python needed). */
export function fakeWorkspace(envs = ['env1', 'env2']): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'comfyvisor-sup-unit-')));
  mkdirSync(join(root, '.metadata'));
  for (const env of envs) {
    const dir = join(root, 'environments', env);
    mkdirSync(join(dir, '.cec'), { recursive: true });
    mkdirSync(join(dir, '.venv', 'bin'), { recursive: true });
    mkdirSync(join(dir, 'ComfyUI'), { recursive: true });
    writeFileSync(join(dir, '.venv', 'bin', 'python'), '');
    writeFileSync(join(dir, 'ComfyUI', 'main.py'), '');
  }
  return root;
}

export interface FakeProc extends ComfyuiProcess {
  options: SpawnComfyuiOptions;
  /** Makes the fake ComfyUI exit with `code`. */
  exit(code: number | null, signal?: NodeJS.Signals | null): void;
  stops: number;
}

/** A spawn that records what it was asked and hands back processes a test ends at will. */
export function fakeSpawner(onSpawn?: (proc: FakeProc, index: number) => void) {
  const spawned: FakeProc[] = [];
  const spawn = (options: SpawnComfyuiOptions): ComfyuiProcess => {
    let resolveExit: (exit: ComfyuiExit) => void = () => {};
    let running = true;
    const exited = new Promise<ComfyuiExit>((resolve) => {
      resolveExit = resolve;
    });
    const proc: FakeProc = {
      pid: 10_000 + spawned.length,
      startedAt: Date.now(),
      exited,
      drained: exited.then(() => {}),
      options,
      stops: 0,
      get running() {
        return running;
      },
      signal: () => {},
      exit(code, signal = null) {
        running = false;
        resolveExit({ code, signal });
      },
      async stop() {
        proc.stops++;
        proc.exit(null, 'SIGTERM');
        return exited;
      },
      tail: () => ['Traceback (most recent call last):', 'RuntimeError: boom'],
    };
    spawned.push(proc);
    queueMicrotask(() => onSpawn?.(proc, spawned.length - 1));
    return proc;
  };
  return { spawn, spawned };
}

export const instantClock: Clock = { now: () => performance.now(), sleep: async () => {} };

export const quietLogger: Logger & { lines: string[] } = Object.assign(
  { lines: [] as string[] },
  {
    debug() {},
    info(m: string) {
      quietLogger.lines.push(m);
    },
    warn(m: string) {
      quietLogger.lines.push(`warn: ${m}`);
    },
    error(m: string) {
      quietLogger.lines.push(`error: ${m}`);
    },
  },
);

export const testSettings: Settings = {
  controlServer: false,
  controlPortRange: [0, 0],
  healthTimeoutMs: 1_000,
  healthIntervalMs: 10,
  healthSuccesses: 3,
  stopGraceMs: 100,
  crashMaxRestarts: 2,
  crashWindowMs: 60_000,
  crashBackoffInitialMs: 10,
  crashBackoffMaxMs: 100,
  syncEnabled: true,
  syncCommand: null,
  syncTimeoutMs: 1_000,
  statusClearMs: 10,
  extraArgs: [],
  defaultHost: '127.0.0.1',
  defaultPort: 8188,
  logLevel: 'info',
  portWaitMs: 0,
  parentDeathSignal: false,
};

export function recordingSync() {
  const calls: string[] = [];
  const sync = async (env: string): Promise<SyncResult> => {
    calls.push(env);
    return { ok: true, skipped: false, command: ['cg', '-e', env, 'repair'], durationMs: 1 };
  };
  return { sync, calls };
}

export function deps(workspace: string, overrides: Partial<SupervisorDeps> = {}): SupervisorDeps {
  return {
    workspace,
    environment: 'env1',
    args: ['--port', '8199'],
    settings: testSettings,
    logger: quietLogger,
    sync: recordingSync().sync,
    clock: instantClock,
    healthCheck: async (): Promise<HealthResult> => ({ healthy: true, afterMs: 1, probes: 3 }),
    torchVersion: async () => null,
    lifeline: false,
    passThrough: false,
    platform: 'linux',
    ...overrides,
  };
}
