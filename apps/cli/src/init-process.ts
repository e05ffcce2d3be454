import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

/** What `comfyvisor run` does about being PID 1 (a container's entrypoint). */
export type InitPlan = { kind: 'none' } | { kind: 'init'; init: string } | { kind: 'warn'; message: string };

export interface InitWorld {
  pid: number;
  env: NodeJS.ProcessEnv;
  /** @default a PATH search for an executable file */
  findExecutable?: ((name: string, env: NodeJS.ProcessEnv) => string | null) | undefined;
}

/** Set for the re-executed supervisor, so it never tries again. */
export const UNDER_INIT_ENV = 'COMFYVISOR_UNDER_INIT';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function searchPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/**
 * PID 1 reaps nobody's orphans unless it is an init, and ignores signals it has no handler for.
 * As PID 1 we run under `tini` when it is installed (`COMFYVISOR_INIT` may name another init with
 * tini's flags, or be `none`); without one, a one-line warning and we go on.
 */
export function planInit(world: InitWorld): InitPlan {
  if (world.pid !== 1 || world.env[UNDER_INIT_ENV] === '1') return { kind: 'none' };
  const choice = world.env.COMFYVISOR_INIT;
  const warn = (why: string): InitPlan => ({
    kind: 'warn',
    message: `comfyvisor: running as PID 1 ${why}: orphaned processes will not be reaped (install tini, or run the container with --init)`,
  });
  if (choice === 'none') return warn('without an init (COMFYVISOR_INIT=none)');
  if (choice) {
    if (path.isAbsolute(choice) ? isExecutable(choice) : false) return { kind: 'init', init: choice };
    const found = (world.findExecutable ?? searchPath)(choice, world.env);
    return found
      ? { kind: 'init', init: found }
      : warn(`and COMFYVISOR_INIT (${choice}) is not an executable`);
  }
  const tini = (world.findExecutable ?? searchPath)('tini', world.env);
  return tini ? { kind: 'init', init: tini } : warn('without an init (tini is not installed)');
}

/** tini's arguments: subreaper (it is not PID 1 itself), signals to the child's whole group. */
export function initArgs(argv: readonly string[]): string[] {
  return ['-s', '-g', '--', process.execPath, ...process.execArgv, ...argv];
}

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Runs this same command again under `init` and waits for it. Node cannot exec(2), so this process
 * stays PID 1 with a single child: it forwards the runtime's signals to the init (which forwards
 * them to the supervisor's group and reaps every orphan, being a subreaper) and ends with its code.
 */
export function runUnderInit(init: string, argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(init, initArgs(argv), {
      stdio: 'inherit',
      env: { ...process.env, [UNDER_INIT_ENV]: '1' },
    });
    const handlers = FORWARDED.map((sig) => {
      const handler = () => child.kill(sig);
      process.on(sig, handler);
      return [sig, handler] as const;
    });
    const done = (code: number) => {
      for (const [sig, handler] of handlers) process.off(sig, handler);
      resolve(code);
    };
    child.once('error', (error) => {
      process.stderr.write(`comfyvisor: could not start ${init}: ${error.message}\n`);
      done(70);
    });
    child.once('exit', (code, sig) => done(code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
  });
}
