import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetTemp, removeAfterTest } from './cleanup.ts';
import { type FakeBehaviour, writeBehaviour, writeEnvironment } from './fake-environment.ts';
import { readFakeRecord } from './fake-jobs.ts';
import { waitFor } from './processes.ts';

export type { FakeBehaviour };

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

/** The files that make `root` a workspace: `.metadata/` (with its config) or the legacy `pyproject.toml`. */
async function writeWorkspaceFiles(
  root: string,
  metadataDir: string,
  environments: string[],
  options: CreateWorkspaceOptions,
): Promise<void> {
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
  await writeWorkspaceFiles(root, metadataDir, environments, options);
  const envDir = (name: string) => join(root, 'environments', name);
  for (const name of environments) {
    await writeEnvironment(envDir(name), {
      torchVersion: options.torchVersion,
      behaviour: options.behaviour?.[name],
    });
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
