// Shared set-up of the integration tests: a throw-away workspace (testkit) and a real supervisor
// process on it (fixtures/run-supervisor.mjs over this package's dist/), plus small waits on files
// (vitest's vi.waitFor: each check throws, naming what it waits for and what it last saw).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FILE_NAMES,
  readControlPort,
  readPidFile,
  readSwitchStatus,
  type SwitchState,
  type SwitchStatus,
} from '@comfyvisor/ipc-files';
import {
  createWorkspace,
  type FakeBehaviour,
  type FakeEvent,
  freePort,
  httpJson,
  type TestWorkspace,
  track,
} from '@comfyvisor/testkit';
import { execa, type ResultPromise } from 'execa';
import { expect, vi } from 'vitest';

export const FIXTURE = join(import.meta.dirname, 'fixtures', 'run-supervisor.mjs');

export type SupervisorProcess = ResultPromise<{ reject: false; all: true }>;

export interface Running {
  ws: TestWorkspace;
  /** ComfyUI's --port. */
  port: number;
  sup: SupervisorProcess;
  /** The supervisor's pid (the fixture runs it in-process). */
  pid: number;
  controlUrl: string;
  /** Everything the supervisor wrote to stderr so far ([comfyvisor] lines and ComfyUI's stderr). */
  stderr(): string;
  /** GET /system_stats of the fake ComfyUI. */
  stats(): Promise<{ status: number; body: any }>;
  /** POST /exit/<code> to the fake ComfyUI. */
  exitComfyui(code: number): Promise<void>;
  /** POST /switch `{ target_env }` to the control API: its answer. */
  postSwitch(targetEnv: string): Promise<{ status: number; body: any }>;
  status(): Promise<SwitchStatus | null>;
  waitState(state: SwitchState, timeoutMs?: number): Promise<SwitchStatus>;
}

export interface StartOptions {
  /** `orchestrator` section, over quick test defaults. */
  orchestrator?: Record<string, unknown>;
  /** `comfyui` section. */
  comfyui?: Record<string, unknown>;
  /** Top-level `environments` section (per-environment extra_args and env). */
  environments?: Record<string, unknown>;
  behaviour?: Record<string, FakeBehaviour>;
  torchVersion?: string | null;
  /** The environment the supervisor is started on. @default 'env1' */
  env?: string;
  /** Runs after the workspace exists and before the supervisor starts (e.g. a waiting switch request). */
  prepare?: (ws: TestWorkspace, comfyuiPort: number) => Promise<void>;
  /** ComfyUI's --port. @default a free port from the OS */
  comfyuiPort?: number;
  /** A command the supervisor is started through (it must exec it in the same pid), e.g. `unshare`. */
  prefix?: (ws: TestWorkspace) => string[];
  /** Replaces the whole config file's text (after the test defaults are written). */
  rawConfig?: string;
}

/** The supervisor as a real process on `ws` (tracked for killTracked). */
export function spawnSupervisor(
  ws: TestWorkspace,
  env: string,
  comfyuiArgs: string[],
  prefix: string[] = [],
): SupervisorProcess {
  const [file, ...args] = [...prefix, process.execPath, FIXTURE, ws.root, env, ...comfyuiArgs] as [
    string,
    ...string[],
  ];
  return track(
    execa(file, args, {
      reject: false,
      all: true,
    }),
  );
}

/** A workspace plus a real supervisor process on it, ready (pid file and control port written). */
export async function startSupervised(options: StartOptions = {}): Promise<Running> {
  const controlPort = await freePort();
  const ws = await createWorkspace({
    behaviour: options.behaviour,
    torchVersion: options.torchVersion ?? null,
    config: {
      orchestrator: {
        sync_enabled: false,
        stop_grace_s: 1,
        crash_backoff_initial_ms: 50,
        crash_max_restarts: 2,
        health_check_timeout_s: 20,
        control_port_range: [controlPort, controlPort + 20],
        ...options.orchestrator,
      },
      ...(options.comfyui ? { comfyui: options.comfyui } : {}),
      ...(options.environments ? { environments: options.environments } : {}),
    },
  });
  if (options.rawConfig !== undefined)
    await writeFile(join(ws.metadataDir, FILE_NAMES.config), options.rawConfig);
  const port = options.comfyuiPort ?? (await freePort());
  await options.prepare?.(ws, port);
  const sup = spawnSupervisor(ws, options.env ?? 'env1', ['--port', String(port)], options.prefix?.(ws));
  let stderr = '';
  sup.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const dir = ws.metadataDir;
  const ready = vi.waitFor(
    async () => {
      expect(await readPidFile(dir), 'the supervisor to write its pid to .orchestrator.pid').toBe(sup.pid);
      const controlPort = await readControlPort(dir);
      expect(controlPort, 'the supervisor to write .control_port').not.toBeNull();
      return controlPort as number;
    },
    { timeout: 15_000, interval: 20 },
  );
  ready.catch(() => {}); // should the supervisor exit early, the race below reports that instead
  const exitedEarly = sup.then((result) => {
    throw new Error(`the supervisor exited early (code ${result.exitCode}):\n${result.all}`);
  });
  exitedEarly.catch(() => {}); // once ready, its later exit is the test's business
  const cport = await Promise.race([ready, exitedEarly]);
  const comfyBase = `http://127.0.0.1:${port}`;
  return {
    ws,
    port,
    sup,
    pid: sup.pid as number,
    controlUrl: `http://127.0.0.1:${cport}`,
    stderr: () => stderr,
    stats: () => httpJson(`${comfyBase}/system_stats`),
    async exitComfyui(code) {
      const { status } = await httpJson(`${comfyBase}/exit/${code}`, { method: 'POST' });
      if (status !== 200) throw new Error(`POST /exit/${code} answered ${status}`);
    },
    postSwitch: (targetEnv) =>
      httpJson(`http://127.0.0.1:${cport}/switch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ target_env: targetEnv }),
      }),
    status: () => readSwitchStatus(dir),
    waitState: (state, timeoutMs = 20_000) =>
      vi.waitFor(
        async () => {
          const status = await readSwitchStatus(dir);
          expect(status?.state, `switch state ${state}; last status: ${JSON.stringify(status)}`).toBe(state);
          return status as SwitchStatus;
        },
        { timeout: timeoutMs, interval: 10 },
      ),
  };
}

/** Index of the last event so far (to wait for the next ones with `{ after }`). */
export async function lastIndex(ws: TestWorkspace): Promise<number> {
  const events = await ws.events();
  return events.at(-1)?.index ?? -1;
}

/** The fake's events of one kind (optionally of one environment). */
export async function eventsOf(ws: TestWorkspace, event: string, env?: string): Promise<FakeEvent[]> {
  return (await ws.events()).filter((e) => e.event === event && (env === undefined || e.env === env));
}

/**
 * A sync command (for `sync_command`) that appends `{env}` to `<ws>/sync.log` and, while
 * `<ws>/hold-sync-<env>` exists, blocks until `<ws>/release-sync` appears: a gate the test opens
 * when it has seen what it waits for, so a transient state can be observed without timing luck.
 */
export const GATED_SYNC = [
  'sh',
  '-c',
  'echo {env} >> "{workspace}/sync.log"; ' +
    'if [ -e "{workspace}/hold-sync-{env}" ]; then ' +
    ': > "{workspace}/sync-held"; ' +
    'while [ ! -e "{workspace}/release-sync" ]; do sleep 0.02; done; fi',
];

export async function holdSync(ws: TestWorkspace, env: string): Promise<void> {
  await writeFile(join(ws.root, `hold-sync-${env}`), '');
}

export async function releaseSync(ws: TestWorkspace): Promise<void> {
  await writeFile(join(ws.root, 'release-sync'), '');
}

/** Resolves once a held sync is blocking. */
export function waitSyncHeld(ws: TestWorkspace): Promise<void> {
  return vi.waitFor(
    () => expect(existsSync(join(ws.root, 'sync-held')), 'the held sync to write <ws>/sync-held').toBe(true),
    { timeout: 15_000, interval: 20 },
  );
}

/** The lines of `<ws>/sync.log`. */
export async function syncLog(ws: TestWorkspace): Promise<string[]> {
  const text = await readFile(join(ws.root, 'sync.log'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** A promise of the supervisor's result that fails fast with its output if it takes too long. */
export async function exitOf(
  run: { sup: SupervisorProcess },
  timeoutMs = 20_000,
): Promise<{ exitCode: number | undefined; all: string; stderr: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the supervisor did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([run.sup, timeout]);
    return {
      exitCode: result.exitCode,
      all: String(result.all ?? ''),
      stderr: String(result.stderr ?? ''),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Pids of the processes whose command line contains `text` (Linux /proc; this process excluded). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
