import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PackageInstallError, VenvCreateError } from './errors.ts';
import { finalizeVenv, VENV_MARKER } from './finalize-venv.ts';
import { findPython } from './find-python.ts';
import { defaultPackages, outputTail, planInstall } from './install-commands.ts';
import { readHead } from './read-head.ts';
import { venvPaths } from './venv-paths.ts';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EnsureVenvOptions {
  /** @default ['comfygit'], or ['-e', $COMFYGIT_DEV_CORE_PATH] */
  packages?: string[] | undefined;
  /** The base interpreter. @default findPython() */
  python?: string | undefined;
  /** @default 'auto': uv when it is on PATH, else python -m venv + pip */
  installer?: 'auto' | 'uv' | 'pip' | undefined;
  /** Extra arguments for the install step, e.g. ['--no-index', '--find-links', dir]. */
  pipArgs?: string[] | undefined;
  /** @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  onProgress?: ((step: { phase: 'create' | 'install' | 'finalize'; message: string }) => void) | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface EnsureVenvResult {
  venvDir: string;
  python: string;
  created: boolean;
  installer: 'uv' | 'pip' | null;
  installed: string[];
}

interface Marker {
  packages: string[];
  installer: 'uv' | 'pip';
  python: string;
  created_at: string;
}

/** The marker is a few hundred bytes; a larger one is cut short, fails to parse, and means "rebuild". */
const MARKER_MAX_BYTES = 64 * 1024;

/** The marker, or null when it is missing or unusable (not a regular file, not our JSON). */
async function readMarker(venvDir: string): Promise<Marker | null> {
  try {
    const text = await readHead(path.join(venvDir, VENV_MARKER), MARKER_MAX_BYTES);
    if (text === null) return null;
    const data = JSON.parse(text) as Marker;
    return Array.isArray(data.packages) ? data : null;
  } catch {
    return null;
  }
}

async function hasUv(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const { execa } = await import('execa');
    await execa('uv', ['--version'], { env, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `<venv>.partial-<pid>-*` folders of runs that died (their pid is gone). */
async function cleanLeftovers(venvDir: string): Promise<string[]> {
  const parent = path.dirname(venvDir);
  const prefix = `${path.basename(venvDir)}.partial-`;
  const removed: string[] = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

type Installer = 'uv' | 'pip';
type RunStep = (step: { file: string; args: string[] }) => Promise<unknown>;

/** The installer asked for, or under 'auto' uv when it is on PATH, else pip. */
async function pickInstaller(
  choice: EnsureVenvOptions['installer'],
  env: NodeJS.ProcessEnv,
): Promise<Installer> {
  if (choice === 'uv' || choice === 'pip') return choice;
  return (await hasUv(env)) ? 'uv' : 'pip';
}

/** Runs one planned command with all its output kept; execa is loaded only when a venv is really made (see find-python.ts). */
async function stepRunner(env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<RunStep> {
  const { execa } = await import('execa');
  return (step) =>
    execa(step.file, step.args, { env, all: true, cancelSignal: signal, forceKillAfterDelay: 2_000 });
}

async function createStep(run: RunStep, step: Parameters<RunStep>[0], target: string): Promise<void> {
  try {
    await run(step);
  } catch (error) {
    const { tail } = outputTail((error as { all?: string }).all ?? '');
    throw new VenvCreateError(
      `could not create a virtual environment at ${target}: ${tail || (error as Error).message}`,
      { cause: error },
    );
  }
}

async function installStep(run: RunStep, step: Parameters<RunStep>[0], packages: string[]): Promise<void> {
  try {
    await run(step);
  } catch (error) {
    const { tail, firstError } = outputTail((error as { all?: string }).all ?? String(error));
    throw new PackageInstallError(
      `could not install ${packages.join(' ')}: ${firstError ?? (error as Error).message.split('\n')[0]}`,
      tail,
      { cause: error },
    );
  }
}

/**
 * Makes sure a complete virtual environment with `packages` exists at `venvDir`. Idempotent: a
 * venv whose marker (written last) lists the packages is left alone. It is built beside the target
 * (`<venvDir>.partial-<pid>-<rand>`) and renamed into place only when complete, so an interrupted
 * run never leaves a half-made venv at `venvDir`; its leftovers are removed by the next call.
 */
export async function ensureVenv(
  venvDir: string,
  options: EnsureVenvOptions = {},
): Promise<EnsureVenvResult> {
  const env = options.env ?? process.env;
  const target = path.resolve(venvDir);
  const packages = options.packages ?? defaultPackages(env);
  const progress = options.onProgress ?? (() => {});
  const finalPaths = venvPaths(target);

  const removed = await cleanLeftovers(target);
  if (removed.length) options.logger?.info(`removed leftovers of an interrupted run: ${removed.join(', ')}`);

  const marker = await readMarker(target);
  if (marker && existsSync(finalPaths.python) && packages.every((p) => marker.packages.includes(p))) {
    return { venvDir: target, python: finalPaths.python, created: false, installer: null, installed: [] };
  }

  const installer = await pickInstaller(options.installer, env);
  const basePython = options.python ?? (await findPython({ env })).path;
  // not node:crypto: loading it costs every process that imports venv ~2 MB of RSS
  const partial = `${target}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const plan = planInstall({
    installer,
    basePython,
    venvDir: partial,
    venvPython: venvPaths(partial).python,
    packages,
    pipArgs: options.pipArgs,
  });
  const run = await stepRunner(env, options.signal);

  try {
    progress({
      phase: 'create',
      message: `creating a virtual environment with ${installer === 'uv' ? 'uv' : basePython}`,
    });
    await createStep(run, plan.create, target);
    if (plan.install) {
      progress({ phase: 'install', message: `installing ${packages.join(' ')}` });
      await installStep(run, plan.install, packages);
    }
    progress({ phase: 'finalize', message: `moving the new environment into ${target}` });
    const record: Marker = { packages, installer, python: basePython, created_at: new Date().toISOString() };
    await finalizeVenv(partial, target, { ...record });
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  return { venvDir: target, python: finalPaths.python, created: true, installer, installed: packages };
}
