import type { HealthResult } from '@comfyvisor/health';
import { DEFAULT_CONFIG } from '@comfyvisor/ipc-files';
import { fakeClock } from '@comfyvisor/testkit';
import type { ComfyuiExit, ComfyuiProcess, SpawnComfyuiOptions } from '../src/comfyui-process.ts';
import type { Logger } from '../src/logger.ts';
import { type Settings, settingsFrom } from '../src/settings.ts';
import type { SupervisorDeps } from '../src/supervisor.ts';
import type { SyncResult } from '../src/sync.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';

export { type MemoryStore, memoryStore };

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
      startedAt: 0,
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

/** Exits each spawned fake with the next code of `codes` (then leaves it running). */
export function exitWith(codes: Array<number | null>) {
  return fakeSpawner((proc, index) => {
    const code = codes[index];
    if (code !== undefined) proc.exit(code);
  });
}

export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug() {},
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warn: ${m}`),
    error: (m) => void lines.push(`error: ${m}`),
  };
}

export const testSettings: Settings = {
  ...settingsFrom(DEFAULT_CONFIG),
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
  extraArgs: [],
  defaultHost: '127.0.0.1',
  defaultPort: 8188,
  logLevel: 'info',
  portBusy: 'refuse',
  portWaitMs: 0,
  parentDeathSignal: false,
  livenessEnabled: false,
  livenessIntervalMs: 10_000,
  livenessFailures: 3,
  livenessTimeoutMs: 5_000,
  replyDelayMs: 300,
  logMaxBytes: 1024 * 1024,
  logKeep: 1,
  logFormat: 'text',
  eventsMaxBytes: 1024 * 1024,
  drainEnabled: true,
  drainTimeoutMs: 60_000,
  drainOnSigterm: false,
  requeuePending: true,
  livenessBusyTimeoutMs: 600_000,
};

export function recordingSync() {
  const calls: string[] = [];
  const sync = async (env: string): Promise<SyncResult> => {
    calls.push(env);
    return { ok: true, skipped: false, command: ['cg', '-e', env, 'repair'], durationMs: 1 };
  };
  return { sync, calls };
}

export const healthy = async (): Promise<HealthResult> => ({ healthy: true, afterMs: 1, probes: 3 });
export const sick = async (): Promise<HealthResult> => ({
  healthy: false,
  reason: 'exited',
  exitCode: 1,
  afterMs: 5,
  probes: 1,
});

/** Supervisor deps for a unit test: memory store, fake spawn, instant clock, silent logs. */
export function deps(overrides: Partial<SupervisorDeps> = {}): SupervisorDeps & { store: MemoryStore } {
  const store = (overrides.store as MemoryStore | undefined) ?? memoryStore();
  return {
    environment: 'env1',
    args: ['--port', '8199'],
    settings: testSettings,
    logger: recordingLogger(),
    sync: recordingSync().sync,
    spawn: fakeSpawner().spawn,
    world: { clock: fakeClock(), pid: 1, platform: 'linux', env: {} },
    healthCheck: healthy,
    torchVersion: async () => null,
    passThrough: false,
    ...overrides,
    store,
    switches: store,
  };
}
