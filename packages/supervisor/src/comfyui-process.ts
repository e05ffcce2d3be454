import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ComfyuiExit } from './exit-policy.ts';
import { OutputTail } from './output-tail.ts';
import type { Reaper } from './reaper.ts';

export type { ComfyuiExit };

/** A running ComfyUI: it leads its own process group, so its children are signalled with it. */
export interface ComfyuiProcess {
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<ComfyuiExit>;
  /** Settles once its output has been read to the end (or a second after its exit). */
  readonly drained: Promise<void>;
  readonly running: boolean;
  /** Signals the whole process group (falls back to the pid). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs: number): Promise<ComfyuiExit>;
  tail(lines?: number): string[];
}

export interface SpawnComfyuiOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where ComfyUI's output is kept for `comfyvisor logs` (the supervisor's rotating comfyui.log). */
  output?: { write(chunk: Buffer): void } | undefined;
  /** Also pass the output through to ours. @default true */
  passThrough?: boolean | undefined;
  /** Wrap with `setpriv --pdeathsig SIGKILL` where it exists (Linux). @default false */
  parentDeathSignal?: boolean | undefined;
  /** The lifeline that stops ComfyUI if the supervisor is killed; told the pid at once. */
  reaper?: Reaper | null | undefined;
}

export type SpawnComfyui = (options: SpawnComfyuiOptions) => ComfyuiProcess;

const SETPRIV = '/usr/bin/setpriv';

/** The command line: ComfyUI's own, or wrapped in `setpriv --pdeathsig SIGKILL` when asked and possible. */
function commandLine(options: SpawnComfyuiOptions): [file: string, args: string[]] {
  const useSetpriv =
    (options.parentDeathSignal ?? false) && process.platform === 'linux' && existsSync(SETPRIV);
  return useSetpriv
    ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', options.command, ...options.args]]
    : [options.command, options.args];
}

/** Each chunk of output goes to the tail, the log and (unless turned off) our own stdout/stderr. */
function forwardOutput(child: ChildProcess, tail: OutputTail, options: SpawnComfyuiOptions): void {
  const log = options.output;
  const passThrough = options.passThrough ?? true;
  const forward = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
    tail.push(chunk.toString('utf8'));
    log?.write(chunk);
    if (passThrough) target.write(chunk);
  };
  child.stdout?.on('data', forward(process.stdout));
  child.stderr?.on('data', forward(process.stderr));
}

/** Signals the process group led by `pid` (falls back to the pid alone); a gone process is no error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/**
 * Settles when the child exits (or fails to start: code 127, the error kept in the tail); whatever
 * it left in its group goes with it.
 */
function whenExited(
  child: ChildProcess,
  tail: OutputTail,
  reaper: Reaper | null | undefined,
  onExit: () => void,
): Promise<ComfyuiExit> {
  const pid = child.pid ?? -1;
  return new Promise<ComfyuiExit>((resolve) => {
    child.once('error', (error) => {
      onExit();
      tail.push(`${error.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => {
      onExit();
      // Whatever ComfyUI left in its group (children of its own) goes with it.
      signalGroup(pid, 'SIGKILL');
      if (pid > 0) reaper?.forget(pid);
      resolve({ code, signal });
    });
  });
}

/**
 * Settles once the output is read to the end ('close'), or, if a grandchild keeps the pipes open,
 * a second after the exit.
 */
function whenDrained(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.once('exit', () => {
      timer = setTimeout(done, 1_000);
      timer.unref();
    });
    child.once('close', done);
    child.once('error', done);
    function done() {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Starts ComfyUI for real. */
export const spawnComfyui: SpawnComfyui = (options) => {
  const [file, args] = commandLine(options);
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: process.platform !== 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const startedAt = Date.now();
  const tail = new OutputTail(50);
  forwardOutput(child, tail, options);
  const pid = child.pid ?? -1;
  if (pid > 0) options.reaper?.watch(pid);
  let running = child.pid !== undefined;
  const exited = whenExited(child, tail, options.reaper, () => {
    running = false;
  });
  const drained = whenDrained(child);
  const signal = (name: NodeJS.Signals) => signalGroup(pid, name);
  return {
    pid,
    startedAt,
    exited,
    drained,
    get running() {
      return running;
    },
    signal,
    async stop(graceMs) {
      if (!running) return exited;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      // ComfyUI's own children may outlive it in the group: make sure none remain.
      signal('SIGKILL');
      return result;
    },
    tail: (lines) => tail.last(lines),
  };
};
