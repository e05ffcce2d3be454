/**
 * The supervision core each instance runs under, as the worker sees it: the shape of
 * `createSupervisor` from @comfyvisor/supervisor (core-runner.ts), kept small so tests may give
 * another.
 */
export type RunnerEvent =
  | { type: 'comfyui_start'; env: string; pid: number }
  | { type: 'comfyui_ready'; env: string; pid: number }
  | { type: 'comfyui_exit'; code: number | null; meaning: string; [key: string]: unknown }
  | { type: 'restart'; reason?: string; [key: string]: unknown }
  | { type: 'hung'; [key: string]: unknown }
  | { type: 'give_up'; [key: string]: unknown }
  | { type: 'supervisor_stop'; [key: string]: unknown }
  | { type: string; [key: string]: unknown };

export interface RunnerLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerCommand {
  command: 'restart' | 'shutdown';
  /** Skip the drain: stop at once (SIGTERM, then SIGKILL after the grace). */
  force?: boolean;
}

export interface RunnerSnapshot {
  currentEnv: string;
  comfyui: { pid: number; running: boolean; uptimeMs: number } | null;
}

export interface RunnerOptions {
  workspace: string;
  environment: string;
  /** ComfyUI's own arguments (`--listen 0.0.0.0 --port N`). */
  args: string[];
  /** The whole environment of ComfyUI (the worker's, plus COMFYGIT_HOME and the instance's own). */
  env: NodeJS.ProcessEnv;
  settings?: Record<string, unknown>;
  logger: RunnerLogger;
  record: (event: RunnerEvent) => void;
  /** Where ComfyUI's stdout and stderr go, chunk by chunk. */
  output: { write(chunk: Buffer): void };
  reaper?: unknown;
}

export interface InstanceRunner {
  /** Supervises until shut down or given up; resolves with the exit code. */
  run(): Promise<number>;
  send(command: RunnerCommand): void;
  snapshot(): RunnerSnapshot;
}

export type CreateRunner = (options: RunnerOptions) => InstanceRunner;
