import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { forgetTemp, removeAfterTest } from './cleanup.ts';
import { fakeComfyuiFiles } from './fake-comfyui.ts';
import { readFakeRecord } from './fake-jobs.ts';
import { waitFor } from './processes.ts';

/** How the fake ComfyUI of one environment behaves (written to `fake_comfyui.json` beside main.py). */
export interface FakeBehaviour {
  /**
   * `hang`: never listens. `busy`: serves while its main thread "generates" (CPU work, then long
   * blocking sleeps). `hung`: serves for `hangAfterMs`, then goes silent (socket open, no answers).
   */
  mode?: 'serve' | 'crash' | 'hang' | 'slow' | 'busy' | 'hung';
  crashCode?: number;
  startDelayMs?: number;
  /** Listen only once this file exists (the fake records `gated` while it waits): a start a test controls. */
  startGateFile?: string;
  ignoreSigterm?: boolean;
  spawnChild?: boolean;
  exitAfterMs?: number;
  exitCode?: number;
  /** Crash when any of these ComfyUI args is present (for the extra_args recovery). */
  crashUnlessArgs?: string[];
  /** Crash only while this file is missing (the fake creates it): "crash once, then serve". */
  crashOnceFile?: string;
  /** `hung` mode: serve this long before going silent. @default 0 */
  hangAfterMs?: number;
  /** Any mode that serves: go silent as soon as this file exists (see also `POST /hang`). */
  hangFile?: string;
  /** `busy` mode: how long each blocking step of a "generation" lasts. @default 2000 */
  busyBlockMs?: number;
  /** Every prompt stops HTTP while it runs (as one with `blockHttp` does). @default false */
  blockHttp?: boolean;
  /** Lines to print once, `afterMs` after listening (e.g. `CUDA error: an illegal memory access was encountered`). */
  printAfter?: Array<{ afterMs: number; line: string; stream?: 'stdout' | 'stderr' }>;
  /** Grow the resident memory by this many MB every second. */
  growRssMbPerS?: number;
}

/** One line of the fake's events file (prompt events: see `FakeRecord`). */
export interface FakeEvent {
  event: 'started' | 'listening' | 'sigterm' | 'exited' | 'child_started' | 'busy' | 'hung' | string;
  prompt_id?: string | null;
  label?: string | null;
  pid: number;
  env: string | null;
  time: number;
  port?: number;
  code?: number;
  child_pid?: number;
  argv?: string[];
  supervised?: string | null;
  /** `started`: the variables it saw among CUDA_VISIBLE_DEVICES, PYTORCH_CUDA_ALLOC_CONF, PYTHONIOENCODING and TEST_*. */
  env_seen?: Record<string, string>;
  /** `hung`: what made it hang (`hang_after_ms`, `hang_file`, `request`). */
  reason?: string;
  /** Position in the events file (0-based). */
  index: number;
  /** The fields of the other events (the job server's, the extras'). */
  [key: string]: unknown;
}

export interface TestWorkspace {
  root: string;
  metadataDir: string;
  eventsFile: string;
  envDir(name: string): string;
  setBehaviour(env: string, behaviour: FakeBehaviour): Promise<void>;
  events(): Promise<FakeEvent[]>;
  waitForEvent(
    match: Partial<FakeEvent> | ((event: FakeEvent) => boolean),
    options?: { timeoutMs?: number; after?: number },
  ): Promise<FakeEvent>;
  cleanup(): Promise<void>;
}

export interface CreateWorkspaceOptions {
  /** @default ['env1', 'env2'] */
  environments?: string[];
  /** `metadata`: real ComfyGit (`.metadata/`); `legacy`: `pyproject.toml` + `environments/`. @default 'metadata' */
  layout?: 'metadata' | 'legacy';
  /** @default the first environment */
  activeEnvironment?: string;
  behaviour?: Record<string, FakeBehaviour>;
  /** A fake torch version importable from every environment's python (`null`: no torch). @default null */
  torchVersion?: string | null;
  /** Write `orchestrator_config.json` with these sections (snake_case, as on disk). */
  config?: Record<string, unknown>;
}

let pythonInfo: { executable: string; home: string; version: string; short: string } | undefined;

function machinePython() {
  if (!pythonInfo) {
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import sys,os; print(os.path.realpath(sys.executable)); print("%d.%d.%d" % sys.version_info[:3])',
      ],
      { encoding: 'utf8' },
    ).trim();
    const [executable = '', version = ''] = out.split('\n');
    pythonInfo = {
      executable,
      home: dirname(executable),
      version,
      short: version.split('.').slice(0, 2).join('.'),
    };
  }
  return pythonInfo;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function toWire(behaviour: FakeBehaviour): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(behaviour)) {
    if (value === undefined) continue;
    wire[snake(key)] =
      key === 'printAfter'
        ? (value as FakeBehaviour['printAfter'])?.map((p) => ({
            after_ms: p.afterMs,
            line: p.line,
            stream: p.stream,
          }))
        : value;
  }
  return wire;
}

/**
 * Builds a throw-away ComfyGit workspace under the OS temp dir. Each environment gets `.cec/`,
 * a venv-shaped `.venv` (pyvenv.cfg + bin/python -> the machine's python3, its own site-packages)
 * and `ComfyUI/main.py` = the fake ComfyUI.
 */
export async function createWorkspace(options: CreateWorkspaceOptions = {}): Promise<TestWorkspace> {
  const environments = options.environments ?? ['env1', 'env2'];
  const root = removeAfterTest(realpathSync(await mkdtemp(join(tmpdir(), 'comfyvisor-test-'))));
  const metadataDir = join(root, '.metadata');
  const eventsFile = join(root, 'fake-comfyui-events.jsonl');
  await mkdir(join(root, 'environments'), { recursive: true });
  if ((options.layout ?? 'metadata') === 'metadata') {
    await mkdir(metadataDir, { recursive: true });
    const active = options.activeEnvironment ?? environments[0] ?? null;
    await writeFile(
      join(metadataDir, 'workspace.json'),
      `${JSON.stringify({ version: 1, active_environment: active, created_at: new Date().toISOString() }, null, 2)}\n`,
    );
    if (options.config) {
      await writeFile(join(metadataDir, 'orchestrator_config.json'), JSON.stringify(options.config, null, 2));
    }
  } else {
    await writeFile(
      join(root, 'pyproject.toml'),
      '[project]\nname = "comfygit-workspace"\nversion = "0.1.0"\n',
    );
  }
  const python = machinePython();
  const envDir = (name: string) => join(root, 'environments', name);

  for (const name of environments) {
    const dir = envDir(name);
    await mkdir(join(dir, '.cec'), { recursive: true });
    await mkdir(join(dir, 'ComfyUI'), { recursive: true });
    for (const [name, source] of Object.entries(fakeComfyuiFiles)) {
      await copyFile(source, join(dir, 'ComfyUI', name));
    }
    const venv = join(dir, '.venv');
    const sitePackages = join(venv, 'lib', `python${python.short}`, 'site-packages');
    await mkdir(join(venv, 'bin'), { recursive: true });
    await mkdir(sitePackages, { recursive: true });
    await writeFile(
      join(venv, 'pyvenv.cfg'),
      `home = ${python.home}\ninclude-system-site-packages = false\nversion = ${python.version}\n`,
    );
    await symlink(python.executable, join(venv, 'bin', 'python'));
    await symlink('python', join(venv, 'bin', 'python3'));
    if (options.torchVersion) {
      await mkdir(join(sitePackages, 'torch'), { recursive: true });
      await writeFile(
        join(sitePackages, 'torch', '__init__.py'),
        `__version__ = ${JSON.stringify(options.torchVersion)}\n`,
      );
    }
    const behaviour = options.behaviour?.[name];
    if (behaviour) await writeBehaviour(dir, behaviour);
  }

  const events = async () => (await readFakeRecord(eventsFile)) as FakeEvent[];

  return {
    root,
    metadataDir,
    eventsFile,
    envDir,
    setBehaviour: (env, behaviour) => writeBehaviour(envDir(env), behaviour),
    events,
    async waitForEvent(match, waitOptions = {}) {
      const predicate =
        typeof match === 'function'
          ? match
          : (event: FakeEvent) =>
              Object.entries(match).every(([key, value]) => event[key as keyof FakeEvent] === value);
      const after = waitOptions.after ?? -1;
      return waitFor(async () => (await events()).find((event) => event.index > after && predicate(event)), {
        timeoutMs: waitOptions.timeoutMs ?? 20_000,
        message: `fake ComfyUI event ${typeof match === 'function' ? 'matching a predicate' : JSON.stringify(match)}`,
      });
    },
    async cleanup() {
      forgetTemp(root);
      await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

async function writeBehaviour(envDir: string, behaviour: FakeBehaviour): Promise<void> {
  await writeFile(join(envDir, 'ComfyUI', 'fake_comfyui.json'), JSON.stringify(toWire(behaviour), null, 2));
}
