import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import type { CreateRunner, InstanceRunner, RunnerCommand, RunnerOptions } from './instance-runner.ts';
import { groupAlive, signalGroup } from './kill-group.ts';

interface MinimalSettings {
  stopGraceMs: number;
  crashMaxRestarts: number;
  crashBackoffInitialMs: number;
  healthIntervalMs: number;
  healthTimeoutMs: number;
}
const DEFAULTS: MinimalSettings = {
  stopGraceMs: 10_000,
  crashMaxRestarts: 3,
  crashBackoffInitialMs: 500,
  healthIntervalMs: 20,
  healthTimeoutMs: 180_000,
};

function portOf(args: string[]): number {
  const at = args.lastIndexOf('--port');
  return at >= 0 ? Number(args[at + 1]) : 8188;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 1_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) < 500);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * A stand-in for the supervisor core (same interface): starts ComfyUI from the environment's
 * venv in its own process group, says `comfyui_ready` at its first HTTP answer, restarts it on
 * exit 42 and on a crash (with backoff, giving up after `crashMaxRestarts`), and stops the whole
 * group on shutdown (SIGTERM, SIGKILL after `stopGraceMs`).
 */
export const createMinimalRunner: CreateRunner = (options: RunnerOptions): InstanceRunner => {
  const settings = { ...DEFAULTS, ...(options.settings as Partial<MinimalSettings> | undefined) };
  const envDir = join(options.workspace, 'environments', options.environment);
  const env = options.environment;
  let child: ChildProcess | null = null;
  let startedAt = 0;
  let stopping = false;
  let restartAsked = false;
  let wake: (() => void) | null = null;

  const launch = (): Promise<{ code: number | null; signal: string | null }> => {
    const proc = spawn(join(envDir, '.venv', 'bin', 'python'), ['main.py', ...options.args], {
      cwd: join(envDir, 'ComfyUI'),
      env: { ...options.env, COMFYGIT_SUPERVISED: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    startedAt = Date.now();
    proc.stdout?.on('data', (chunk: Buffer) => options.output.write(chunk));
    proc.stderr?.on('data', (chunk: Buffer) => options.output.write(chunk));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      proc.on('error', () => resolve({ code: 127, signal: null }));
      proc.on('exit', (code, signal) => resolve({ code, signal }));
    });
    if (proc.pid !== undefined) {
      options.record({ type: 'comfyui_start', env, pid: proc.pid });
      void watchReady(proc, exited);
    }
    return exited;
  };

  const watchReady = async (proc: ChildProcess, exited: Promise<unknown>) => {
    let done = false;
    void exited.then(() => {
      done = true;
    });
    const deadline = Date.now() + settings.healthTimeoutMs;
    while (!done && Date.now() < deadline) {
      if (await answers(portOf(options.args))) {
        if (!done && child === proc) options.record({ type: 'comfyui_ready', env, pid: proc.pid ?? 0 });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, settings.healthIntervalMs));
    }
  };

  const stopChild = async () => {
    const proc = child;
    if (!proc?.pid) return;
    signalGroup(proc.pid, 'SIGTERM');
    const deadline = Date.now() + settings.stopGraceMs;
    while (groupAlive(proc.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (groupAlive(proc.pid)) signalGroup(proc.pid, 'SIGKILL');
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function run(): Promise<number> {
    let crashes = 0;
    for (;;) {
      if (stopping) break;
      const { code, signal } = await launch();
      child = null;
      const meaning = stopping ? 'stopped' : code === 42 ? 'restart' : code === 0 ? 'clean' : 'crash';
      options.record({ type: 'comfyui_exit', env, code, signal, meaning });
      if (stopping) break;
      if (restartAsked || code === 42) {
        restartAsked = false;
        options.record({ type: 'restart', env, reason: code === 42 ? 'exit_42' : 'command' });
        continue;
      }
      if (code === 0) return 0;
      crashes++;
      if (crashes > settings.crashMaxRestarts) {
        options.record({ type: 'give_up', env, crashes, lastExit: String(code ?? signal) });
        return code ?? 1;
      }
      const delayMs = settings.crashBackoffInitialMs * 2 ** (crashes - 1);
      options.record({ type: 'backoff', env, delayMs, crashes });
      await pause(delayMs);
      if (!stopping) options.record({ type: 'restart', env, reason: 'crash' });
    }
    options.record({ type: 'supervisor_stop', reason: 'shutdown', exitCode: 0 });
    return 0;
  }

  return {
    run,
    send(command: RunnerCommand) {
      if (command.command === 'shutdown') stopping = true;
      else restartAsked = true;
      wake?.();
      void stopChild();
    },
    snapshot: () => ({
      currentEnv: env,
      comfyui: child?.pid ? { pid: child.pid, running: true, uptimeMs: Date.now() - startedAt } : null,
    }),
  };
};
