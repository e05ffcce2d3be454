import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeComfyuiPath } from './fake-comfyui.ts';
import type { FakeBehaviour } from './workspace.ts';

const script = fileURLToPath(new URL('../fake-cg/cg', import.meta.url));

/** How the fake `cg` behaves at its next calls. */
export interface FakeCgBehaviour {
  /** A slow import: sleep this long before creating the environment. */
  delayMs?: number;
  /** Fail the import with this exit code. */
  failCode?: number;
  /** Lines to print first. */
  lines?: string[];
  /** Bytes (hex) written to stdout as they are, e.g. `'ff fe'` for invalid UTF-8. */
  rawHex?: string;
  /** The fake ComfyUI's behaviour per import source. */
  behaviour?: Record<string, FakeBehaviour>;
}

export interface FakeCgCall {
  event: 'call' | 'sigterm' | 'done' | string;
  pid: number;
  pgid: number;
  argv?: string[];
  cwd?: string;
  comfygit_home?: string | null;
  name?: string;
}

export interface FakeCg {
  /** The folder holding the `cg` script (put it first on PATH). */
  dir: string;
  /** Absolute path of the `cg` script. */
  path: string;
  /** The environment variables the script needs (FAKE_COMFYUI_MAIN) with `dir` first on PATH. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  configure(behaviour: FakeCgBehaviour): Promise<void>;
  calls(): Promise<FakeCgCall[]>;
  cleanup(): Promise<void>;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function toWire(behaviour: FakeCgBehaviour): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(behaviour)) {
    if (value === undefined) continue;
    if (key === 'behaviour') {
      wire.behaviour = Object.fromEntries(
        Object.entries(value as Record<string, FakeBehaviour>).map(([source, b]) => [
          source,
          Object.fromEntries(Object.entries(b).map(([k, v]) => [snake(k), v])),
        ]),
      );
    } else wire[snake(key)] = key === 'rawHex' ? String(value).replace(/\s+/g, '') : value;
  }
  return wire;
}

/**
 * A fake ComfyGit `cg` (a Python script) whose `cg import <source> --name <env> ...` creates
 * `$COMFYGIT_HOME/environments/<env>` in the workspace builder's layout, running the fake ComfyUI.
 */
export async function createFakeCg(behaviour: FakeCgBehaviour = {}): Promise<FakeCg> {
  const dir = await mkdtemp(join(tmpdir(), 'comfyvisor-fake-cg-'));
  const path = join(dir, 'cg');
  await copyFile(script, path);
  await chmod(path, 0o755);
  const configure = (b: FakeCgBehaviour) => writeFile(join(dir, 'fake_cg.json'), JSON.stringify(toWire(b)));
  await configure(behaviour);
  return {
    dir,
    path,
    env: (base = process.env) => ({
      ...base,
      PATH: `${dir}:${base.PATH ?? ''}`,
      FAKE_COMFYUI_MAIN: fakeComfyuiPath,
    }),
    configure,
    async calls() {
      const text = await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as FakeCgCall);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
