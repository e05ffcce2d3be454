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
export const createMinimalRunner: CreateRunner = (options: RunnerOptions): InstanceRunner =>
  new MinimalRunner(options);

type Exit = { code: number | null; signal: string | null };

class MinimalRunner implements InstanceRunner {
  private readonly settings: MinimalSettings;
  private readonly env: string;
  private readonly envDir: string;
  private child: ChildProcess | null = null;
  private startedAt = 0;
  private stopping = false;
  private restartAsked = false;
  private wake: (() => void) | null = null;

  constructor(private readonly options: RunnerOptions) {
    this.settings = { ...DEFAULTS, ...(options.settings as Partial<MinimalSettings> | undefined) };
    this.env = options.environment;
    this.envDir = join(options.workspace, 'environments', options.environment);
  }

  private launch(): Promise<Exit> {
    const { options } = this;
    const proc = spawn(join(this.envDir, '.venv', 'bin', 'python'), ['main.py', ...options.args], {
      cwd: join(this.envDir, 'ComfyUI'),
      env: { ...options.env, COMFYGIT_SUPERVISED: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = proc;
    this.startedAt = Date.now();
    proc.stdout?.on('data', (chunk: Buffer) => options.output.write(chunk));
    proc.stderr?.on('data', (chunk: Buffer) => options.output.write(chunk));
    const exited = new Promise<Exit>((resolve) => {
      proc.on('error', () => resolve({ code: 127, signal: null }));
      proc.on('exit', (code, signal) => resolve({ code, signal }));
    });
    if (proc.pid !== undefined) {
      options.record({ type: 'comfyui_start', env: this.env, pid: proc.pid });
      void this.watchReady(proc, exited);
    }
    return exited;
  }

  private async watchReady(proc: ChildProcess, exited: Promise<unknown>): Promise<void> {
    let done = false;
    void exited.then(() => {
      done = true;
    });
    const deadline = Date.now() + this.settings.healthTimeoutMs;
    while (!done && Date.now() < deadline) {
      if (await answers(portOf(this.options.args))) {
        if (!done && this.child === proc) {
          this.options.record({ type: 'comfyui_ready', env: this.env, pid: proc.pid ?? 0 });
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.settings.healthIntervalMs));
    }
  }

  private async stopChild(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + this.settings.stopGraceMs;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async run(): Promise<number> {
    const { record } = this.options;
    const env = this.env;
    let crashes = 0;
    while (!this.stopping) {
      const { code, signal } = await this.launch();
      this.child = null;
      const meaning = this.stopping ? 'stopped' : code === 42 ? 'restart' : code === 0 ? 'clean' : 'crash';
      record({ type: 'comfyui_exit', env, code, signal, meaning });
      if (this.stopping) break;
      if (this.restartAsked || code === 42) {
        this.restartAsked = false;
        record({ type: 'restart', env, reason: code === 42 ? 'exit_42' : 'command' });
        continue;
      }
      if (code === 0) return 0;
      crashes++;
      if (crashes > this.settings.crashMaxRestarts) {
        record({ type: 'give_up', env, crashes, lastExit: String(code ?? signal) });
        return code ?? 1;
      }
      const delayMs = this.settings.crashBackoffInitialMs * 2 ** (crashes - 1);
      record({ type: 'backoff', env, delayMs, crashes });
      await this.pause(delayMs);
      if (!this.stopping) record({ type: 'restart', env, reason: 'crash' });
    }
    record({ type: 'supervisor_stop', reason: 'shutdown', exitCode: 0 });
    return 0;
  }

  send(command: RunnerCommand): void {
    if (command.command === 'shutdown') this.stopping = true;
    else this.restartAsked = true;
    this.wake?.();
    void this.stopChild();
  }

  snapshot() {
    const pid = this.child?.pid;
    return {
      currentEnv: this.env,
      comfyui: pid ? { pid, running: true, uptimeMs: Date.now() - this.startedAt } : null,
    };
  }
}
