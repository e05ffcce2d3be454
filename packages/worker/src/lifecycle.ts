import { statSync } from 'node:fs';
import { join } from 'node:path';
import { importEnvironment } from './deploy.ts';
import type { CreateRunner, RunnerEvent, RunnerLogger } from './instance-runner.ts';
import { type Slot, setStatus } from './slot.ts';

/** What the lifecycle steps need from the worker. */
export interface LifecycleDeps {
  workspace: string;
  env: NodeJS.ProcessEnv;
  cgCommand: string[];
  createRunner: CreateRunner;
  runnerSettings: Record<string, unknown> | undefined;
  logger: RunnerLogger;
  now: () => number;
  save: () => Promise<void>;
}

const current = (slot: Slot, generation: number) => slot.generation === generation && !slot.removed;

export function environmentReady(workspace: string, environmentName: string): boolean {
  try {
    return statSync(join(workspace, 'environments', environmentName, 'ComfyUI')).isDirectory();
  } catch {
    return false;
  }
}

/** The environment of one instance's `cg` and ComfyUI: the worker's, COMFYGIT_HOME, its own. */
export function instanceEnv(slot: Slot, deps: LifecycleDeps): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...deps.env, COMFYGIT_HOME: deps.workspace };
  if (slot.instance.cudaVisibleDevices !== null) env.CUDA_VISIBLE_DEVICES = slot.instance.cudaVisibleDevices;
  return env;
}

/** Imports the environment (unless there) and starts ComfyUI; a stop or delete meanwhile wins. */
export async function deployAndStart(slot: Slot, deps: LifecycleDeps): Promise<void> {
  const generation = ++slot.generation;
  setStatus(slot, 'deploying', deps.now());
  void deps.save();
  const abort = new AbortController();
  const done = importEnvironment({
    cgCommand: deps.cgCommand,
    workspace: deps.workspace,
    env: instanceEnv(slot, deps),
    importSource: slot.instance.importSource,
    environmentName: slot.instance.environmentName,
    branch: slot.instance.branch,
    log: slot.log,
    signal: abort.signal,
  });
  slot.deploy = { abort, done };
  const result = await done;
  if (slot.deploy?.done === done) slot.deploy = null;
  if (!current(slot, generation)) return;
  if (!result.ok) {
    slot.runtime.lastError = result.detail;
    setStatus(slot, 'error', deps.now());
    void deps.save();
    return;
  }
  launch(slot, deps, generation);
}

function onEvent(slot: Slot, deps: LifecycleDeps, generation: number, event: RunnerEvent): void {
  const live = current(slot, generation);
  switch (event.type) {
    case 'comfyui_start':
      slot.instance.pid = typeof event.pid === 'number' ? event.pid : null;
      slot.log.note(`ComfyUI started (pid ${String(event.pid)})`);
      break;
    case 'comfyui_ready':
      if (live) setStatus(slot, 'running', deps.now());
      break;
    case 'comfyui_exit':
      slot.instance.pid = null;
      slot.log.note(`ComfyUI exited (${String(event.code)}, ${String(event.meaning)})`);
      if (live && slot.instance.status === 'running') setStatus(slot, 'starting', deps.now());
      break;
    case 'restart':
      slot.runtime.restarts++;
      if (live) setStatus(slot, 'starting', deps.now());
      break;
    case 'hung':
      slot.log.note('ComfyUI stopped answering: restarting it');
      break;
    case 'give_up':
      slot.runtime.lastError = `ComfyUI kept crashing (${String(event.lastExit ?? 'crash')}); gave up`;
      slot.log.note(slot.runtime.lastError);
      if (live) setStatus(slot, 'error', deps.now());
      break;
    default:
      return;
  }
  void deps.save();
}

/** Starts ComfyUI under a runner (`starting`, then `running` at its first answer). */
export function launch(slot: Slot, deps: LifecycleDeps, generation: number = ++slot.generation): void {
  setStatus(slot, 'starting', deps.now());
  slot.runtime.lastError = null;
  void deps.save();
  const port = slot.instance.assignedPort;
  const runner = deps.createRunner({
    workspace: deps.workspace,
    environment: slot.instance.environmentName,
    args: ['--listen', '0.0.0.0', '--port', String(port)],
    env: instanceEnv(slot, deps),
    ...(deps.runnerSettings ? { settings: deps.runnerSettings } : {}),
    logger: deps.logger,
    record: (event) => onEvent(slot, deps, generation, event),
    output: slot.log,
  });
  slot.runner = runner;
  const ended = runner.run().then(
    (code) => ({ code, error: null as string | null }),
    (error: unknown) => ({ code: 1, error: error instanceof Error ? error.message : String(error) }),
  );
  slot.runEnded = ended.then(({ code, error }) => {
    if (slot.runner === runner) slot.runner = null;
    slot.instance.pid = null;
    if (!current(slot, generation) || slot.instance.status === 'error') return;
    if (error) slot.runtime.lastError = error;
    if (code === 0 && !error) setStatus(slot, 'stopped', deps.now());
    else {
      slot.runtime.lastError ??= `ComfyUI ended with ${code}`;
      setStatus(slot, 'error', deps.now());
    }
    void deps.save();
  });
}

/**
 * Ends whatever runs for the slot (import or ComfyUI) and waits until it is gone. Unless `force`,
 * the core may first drain ComfyUI's running prompt.
 */
export async function halt(slot: Slot, force = false): Promise<void> {
  slot.generation++;
  const deploy = slot.deploy;
  deploy?.abort.abort();
  slot.runner?.send({ command: 'shutdown', force });
  await Promise.all([deploy?.done, slot.runEnded]);
  slot.runEnded = null;
  slot.instance.pid = null;
}
