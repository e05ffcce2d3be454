import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkerError } from './errors.ts';
import type { Instance, InstanceMode, InstanceRuntime } from './instance.ts';
import { createInstanceLog, type InstanceLog } from './instance-log.ts';
import type { CreateRunner, RunnerLogger } from './instance-runner.ts';
import { deployAndStart, environmentReady, halt, type LifecycleDeps, launch } from './lifecycle.ts';
import { createMinimalRunner } from './minimal-runner.ts';
import { environmentNameFor, newInstanceId, pythonUtcIso, type RandomHex, randomHex } from './names.ts';
import { endOrphan } from './orphans.ts';
import { createPortAllocator, type PortRange } from './port-allocator.ts';
import { newSlot, type Slot, setStatus, settled } from './slot.ts';
import { readStateFile } from './state-file.ts';
import { lockStateDir } from './state-lock.ts';
import { createStateSaver } from './state-saver.ts';

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
  stop(id: string): Promise<InstanceInfo>;
  remove(id: string, options?: { keepEnv?: boolean }): Promise<InstanceInfo>;
  log(id: string): InstanceLog | null;
  ports(): { start: number; end: number; allocated: number[]; available: number };
  /** Stops every instance (their state stays what it was, so the next worker starts them again). */
  close(): Promise<void>;
}

const silent: RunnerLogger = { debug() {}, info() {}, warn() {}, error() {} };
const info = (slot: Slot): InstanceInfo => ({ instance: slot.instance, runtime: slot.runtime });

/**
 * Opens a worker on a state dir: claims it (a second worker is refused), takes over the
 * instances.json found there (ours or cg-deploy's), ends what a killed worker left running, and
 * starts again every instance that should run.
 */
export async function openWorker(options: WorkerOptions): Promise<Worker> {
  const lock = lockStateDir(options.stateDir);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silent;
  const slots = new Map<string, Slot>();
  const ports = createPortAllocator(options.portRange);
  const logPath = (id: string) => join(options.stateDir, 'logs', `${id}.log`);
  const saver = createStateSaver(
    options.stateDir,
    () => [...slots.values()].map((s) => s.instance),
    (error) => logger.error(`instances.json not written: ${(error as Error).message}`),
  );
  const deps: LifecycleDeps = {
    workspace: options.workspace,
    env: options.env ?? process.env,
    cgCommand: options.cgCommand ?? ['cg'],
    createRunner: options.createRunner ?? createMinimalRunner,
    runnerSettings: options.runnerSettings,
    logger,
    now,
    save: () => saver.save(),
  };
  const envDir = (name: string) => join(options.workspace, 'environments', name);
  const slotOf = (id: string): Slot => {
    const slot = slots.get(id);
    if (!slot) throw new WorkerError('Instance not found', 'NOT_FOUND');
    return slot;
  };
  try {
    mkdirSync(join(options.stateDir, 'logs'), { recursive: true });
  } catch (error) {
    lock.release();
    throw error;
  }
  const loaded = await readStateFile(options.stateDir);
  if (!loaded.ok) logger.warn(`instances.json ignored (${loaded.reason}); starting empty`);
  const resume: Slot[] = [];
  for (const instance of loaded.instances) {
    if (!ports.adopt(instance.id, instance.assignedPort)) {
      logger.warn(`instance ${instance.id} dropped: port ${instance.assignedPort} is held twice`);
      continue;
    }
    await endOrphan(
      instance.pid,
      envDir(instance.environmentName),
      instance.environmentName,
      options.orphanGraceMs ?? 10_000,
    );
    instance.pid = null;
    const slot = newSlot(instance, createInstanceLog(logPath(instance.id)));
    slots.set(instance.id, slot);
    if (['running', 'starting', 'deploying'].includes(instance.status) && instance.mode === 'native')
      resume.push(slot);
  }
  await saver.save();
  for (const slot of resume) {
    slot.log.note('worker restarted: starting the instance again');
    if (environmentReady(options.workspace, slot.instance.environmentName)) launch(slot, deps);
    else void deployAndStart(slot, deps);
  }

  let closed = false;
  return {
    workspace: options.workspace,
    defaultMode: options.defaultMode ?? 'native',
    list: () => [...slots.values()].map(info),
    get: (id) => {
      const slot = slots.get(id);
      return slot ? info(slot) : null;
    },
    async create(input) {
      const mode = input.mode ?? options.defaultMode ?? 'native';
      if (mode === 'docker') throw new WorkerError('Docker mode not yet supported', 'NOT_SUPPORTED');
      let id = newInstanceId(options.random ?? randomHex);
      while (slots.has(id)) id = newInstanceId(options.random ?? randomHex);
      const port = ports.allocate(id);
      const name = environmentNameFor(input.name, new Date(now()), options.random ?? randomHex);
      const instance: Instance = {
        id,
        name,
        environmentName: name,
        mode,
        assignedPort: port,
        importSource: input.importSource,
        branch: input.branch ?? null,
        status: 'deploying',
        containerId: null,
        pid: null,
        createdAt: pythonUtcIso(new Date(now())),
        cudaVisibleDevices: input.cudaVisibleDevices ?? null,
      };
      const slot = newSlot(instance, createInstanceLog(logPath(id)));
      slots.set(id, slot);
      await saver.save();
      void deployAndStart(slot, deps);
      return info(slot);
    },
    async start(id) {
      const slot = slotOf(id);
      if (slot.instance.mode === 'docker')
        throw new WorkerError('Docker mode not yet supported', 'NOT_SUPPORTED');
      if (!slot.runner && !slot.deploy) {
        if (environmentReady(options.workspace, slot.instance.environmentName)) launch(slot, deps);
        else void deployAndStart(slot, deps);
      }
      await settled(slot, options.startWaitMs ?? 180_000);
      return info(slot);
    },
    async stop(id) {
      const slot = slotOf(id);
      await halt(slot);
      if (!slot.removed) setStatus(slot, 'stopped', now());
      await saver.save();
      return info(slot);
    },
    async remove(id, removeOptions = {}) {
      const slot = slotOf(id);
      slot.removed = true;
      slots.delete(id);
      await halt(slot);
      ports.release(id);
      await saver.save();
      if (!removeOptions.keepEnv) {
        await rm(envDir(slot.instance.environmentName), { recursive: true, force: true, maxRetries: 3 });
      }
      await slot.log.remove();
      return info(slot);
    },
    log: (id) => slots.get(id)?.log ?? null,
    ports: () => ({ ...options.portRange, allocated: ports.allocated(), available: ports.available() }),
    async close() {
      if (closed) return;
      closed = true;
      const all = [...slots.values()];
      for (const slot of all) slot.generation++;
      await Promise.all(all.map((slot) => halt(slot)));
      await Promise.all(all.map((slot) => slot.log.close()));
      await saver.save();
      lock.release();
    },
  };
}
