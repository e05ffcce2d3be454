import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Reaper, startReaper } from '@comfyvisor/supervisor';
import { createCoreRunner } from './core-runner.ts';
import { WorkerError } from './errors.ts';
import type { Instance, InstanceMode } from './instance.ts';
import { createInstanceLog, type InstanceLog } from './instance-log.ts';
import type { RunnerLogger } from './instance-runner.ts';
import { deployAndStart, environmentReady, halt, type LifecycleDeps, launch } from './lifecycle.ts';
import { environmentNameFor, newInstanceId, pythonUtcIso, type RandomHex, randomHex } from './names.ts';
import { endOrphan } from './orphans.ts';
import { createPortAllocator } from './port-allocator.ts';
import { newSlot, type Slot, setStatus, settled } from './slot.ts';
import { readStateFile } from './state-file.ts';
import type { CreateInput, InstanceInfo, Worker, WorkerOptions } from './worker-types.ts';

export type { CreateInput, InstanceInfo, Worker, WorkerOptions } from './worker-types.ts';

import { lockStateDir, type StateLock } from './state-lock.ts';
import { createStateSaver } from './state-saver.ts';

const silent: RunnerLogger = { debug() {}, info() {}, warn() {}, error() {} };
const info = (slot: Slot): InstanceInfo => ({ instance: slot.instance, runtime: slot.runtime });

class InstanceRegistry implements Worker {
  readonly workspace: string;
  readonly defaultMode: InstanceMode;
  private readonly slots = new Map<string, Slot>();
  private readonly allocator;
  private readonly saver;
  private readonly deps: LifecycleDeps;
  private readonly random: RandomHex;
  private closed = false;
  /** The process-wide lifeline: if the worker is killed, every ComfyUI it started goes with it. */
  private reaper: Reaper | null = null;

  constructor(
    private readonly options: WorkerOptions,
    private readonly lock: StateLock,
  ) {
    this.workspace = options.workspace;
    this.defaultMode = options.defaultMode ?? 'native';
    this.random = options.random ?? randomHex;
    this.allocator = createPortAllocator(options.portRange);
    const logger = options.logger ?? silent;
    this.saver = createStateSaver(
      options.stateDir,
      () => [...this.slots.values()].map((s) => s.instance),
      (error) => logger.error(`instances.json not written: ${(error as Error).message}`),
    );
    this.deps = {
      workspace: options.workspace,
      env: options.env ?? process.env,
      cgCommand: options.cgCommand ?? ['cg'],
      createRunner:
        options.createRunner ?? createCoreRunner({ sessionDir: options.stateDir, reaper: this.lifeline() }),
      runnerSettings: options.runnerSettings,
      logger,
      now: options.now ?? Date.now,
      save: () => this.saver.save(),
    };
  }

  private lifeline(): Reaper | null {
    this.reaper ??= startReaper(join(this.options.stateDir, `.comfyvisor-worker-${process.pid}`));
    return this.reaper;
  }

  private envDir(name: string): string {
    return join(this.workspace, 'environments', name);
  }

  private newLog(id: string): InstanceLog {
    return createInstanceLog(join(this.options.stateDir, 'logs', `${id}.log`));
  }

  private slotOf(id: string): Slot {
    const slot = this.slots.get(id);
    if (!slot) throw new WorkerError('Instance not found', 'NOT_FOUND');
    return slot;
  }

  /** Takes over instances.json: ports kept, leftovers ended, what should run started again. */
  async adopt(): Promise<void> {
    const logger = this.deps.logger;
    const loaded = await readStateFile(this.options.stateDir);
    if (!loaded.ok) logger.warn(`instances.json ignored (${loaded.reason}); starting empty`);
    const resume: Slot[] = [];
    for (const instance of loaded.instances) {
      if (!this.allocator.adopt(instance.id, instance.assignedPort)) {
        logger.warn(`instance ${instance.id} dropped: port ${instance.assignedPort} is held twice`);
        continue;
      }
      const dir = this.envDir(instance.environmentName);
      await endOrphan(instance.pid, dir, instance.environmentName, this.options.orphanGraceMs ?? 10_000);
      instance.pid = null;
      const slot = newSlot(instance, this.newLog(instance.id));
      this.slots.set(instance.id, slot);
      const shouldRun = ['running', 'starting', 'deploying'].includes(instance.status);
      if (shouldRun && instance.mode === 'native') resume.push(slot);
    }
    await this.saver.save();
    for (const slot of resume) {
      slot.log.note('worker restarted: starting the instance again');
      this.begin(slot);
    }
  }

  /** Starts the slot: ComfyUI when its environment is there, else the import first. */
  private begin(slot: Slot): void {
    if (environmentReady(this.workspace, slot.instance.environmentName)) launch(slot, this.deps);
    else void deployAndStart(slot, this.deps);
  }

  list(): InstanceInfo[] {
    return [...this.slots.values()].map(info);
  }

  get(id: string): InstanceInfo | null {
    const slot = this.slots.get(id);
    return slot ? info(slot) : null;
  }

  async create(input: CreateInput): Promise<InstanceInfo> {
    const mode = input.mode ?? this.defaultMode;
    if (mode === 'docker') throw new WorkerError('Docker mode not yet supported', 'NOT_SUPPORTED');
    let id = newInstanceId(this.random);
    while (this.slots.has(id)) id = newInstanceId(this.random);
    const port = this.allocator.allocate(id);
    const now = new Date(this.deps.now());
    const name = environmentNameFor(input.name, now, this.random);
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
      createdAt: pythonUtcIso(now),
      cudaVisibleDevices: input.cudaVisibleDevices ?? null,
    };
    const slot = newSlot(instance, this.newLog(id));
    this.slots.set(id, slot);
    await this.saver.save();
    void deployAndStart(slot, this.deps);
    return info(slot);
  }

  async start(id: string): Promise<InstanceInfo> {
    const slot = this.slotOf(id);
    if (slot.instance.mode === 'docker') {
      throw new WorkerError('Docker mode not yet supported', 'NOT_SUPPORTED');
    }
    if (!slot.runner && !slot.deploy) this.begin(slot);
    await settled(slot, this.options.startWaitMs ?? 180_000);
    return info(slot);
  }

  async stop(id: string, options: { force?: boolean } = {}): Promise<InstanceInfo> {
    const slot = this.slotOf(id);
    await halt(slot, options.force);
    if (!slot.removed) setStatus(slot, 'stopped', this.deps.now());
    await this.saver.save();
    return info(slot);
  }

  async remove(id: string, options: { keepEnv?: boolean; force?: boolean } = {}): Promise<InstanceInfo> {
    const slot = this.slotOf(id);
    slot.removed = true;
    this.slots.delete(id);
    await halt(slot, options.force);
    setStatus(slot, 'stopped', this.deps.now()); // a start waiting on it returns
    this.allocator.release(id);
    await this.saver.save();
    if (!options.keepEnv) {
      await rm(this.envDir(slot.instance.environmentName), { recursive: true, force: true, maxRetries: 3 });
    }
    await slot.log.remove();
    return info(slot);
  }

  log(id: string): InstanceLog | null {
    return this.slots.get(id)?.log ?? null;
  }

  ports() {
    const { start, end } = this.options.portRange;
    return { start, end, allocated: this.allocator.allocated(), available: this.allocator.available() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.slots.values()];
    await Promise.all(all.map((slot) => halt(slot, true)));
    await Promise.all(all.map((slot) => slot.log.close()));
    await this.saver.save();
    this.reaper?.close();
    this.lock.release();
  }
}

/**
 * Opens a worker on a state dir: claims it (a second worker is refused), takes over the
 * instances.json found there (ours or cg-deploy's), ends what a killed worker left running, and
 * starts again every instance that should run.
 */
export async function openWorker(options: WorkerOptions): Promise<Worker> {
  mkdirSync(options.stateDir, { recursive: true });
  const lock = lockStateDir(options.stateDir);
  try {
    mkdirSync(join(options.stateDir, 'logs'), { recursive: true });
    const registry = new InstanceRegistry(options, lock);
    await registry.adopt();
    return registry;
  } catch (error) {
    lock.release();
    throw error;
  }
}
