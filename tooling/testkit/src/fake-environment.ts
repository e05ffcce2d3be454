import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fakeComfyuiFiles } from './fake-comfyui.ts';

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

/** One environment at `dir`: `.cec/`, the fake ComfyUI, and a venv-shaped `.venv` on the machine's python3. */
export async function writeEnvironment(
  dir: string,
  options: { torchVersion?: string | null | undefined; behaviour?: FakeBehaviour | undefined },
): Promise<void> {
  const python = machinePython();
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
  if (options.behaviour) await writeBehaviour(dir, options.behaviour);
}

export async function writeBehaviour(envDir: string, behaviour: FakeBehaviour): Promise<void> {
  await writeFile(join(envDir, 'ComfyUI', 'fake_comfyui.json'), JSON.stringify(toWire(behaviour), null, 2));
}
