import type { Instance, InstanceMode, InstanceRuntime } from './instance.ts';
import type { InstanceLog } from './instance-log.ts';
import type { CreateRunner, RunnerLogger } from './instance-runner.ts';
import type { RandomHex } from './names.ts';
import type { PortRange } from './port-allocator.ts';

export interface WorkerOptions {
  workspace: string;
  /** Where instances.json, worker.pid and the logs live. */
  stateDir: string;
  portRange: PortRange;
  /** @default 'native' */
  defaultMode?: InstanceMode;
  /** The supervision core of each instance. @default createMinimalRunner */
  createRunner?: CreateRunner;
  runnerSettings?: Record<string, unknown>;
  /** @default ['cg'] */
  cgCommand?: string[];
  /** What `cg` and ComfyUI inherit. @default process.env */
  env?: NodeJS.ProcessEnv;
  logger?: RunnerLogger;
  /** How long `start` waits for ComfyUI's first answer before it replies. @default 180000 */
  startWaitMs?: number;
  /** SIGTERM to SIGKILL for what a previous worker left running. @default 10000 */
  orphanGraceMs?: number;
  now?: () => number;
  random?: RandomHex;
}

export interface CreateInput {
  importSource: string;
  name?: string | null;
  mode?: InstanceMode;
  branch?: string | null;
  cudaVisibleDevices?: string | null;
}

export interface InstanceInfo {
  instance: Readonly<Instance>;
  runtime: Readonly<InstanceRuntime>;
}

export interface Worker {
  readonly workspace: string;
  readonly defaultMode: InstanceMode;
  list(): InstanceInfo[];
  get(id: string): InstanceInfo | null;
  create(input: CreateInput): Promise<InstanceInfo>;
  start(id: string): Promise<InstanceInfo>;
  /** Stops ComfyUI (drained first by the core unless `force`); the port stays reserved. */
  stop(id: string, options?: { force?: boolean }): Promise<InstanceInfo>;
  remove(id: string, options?: { keepEnv?: boolean; force?: boolean }): Promise<InstanceInfo>;
  log(id: string): InstanceLog | null;
  ports(): { start: number; end: number; allocated: number[]; available: number };
  /** Stops every instance (their state stays what it was, so the next worker starts them again). */
  close(): Promise<void>;
}
