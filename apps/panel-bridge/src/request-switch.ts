import {
  environmentExists,
  findWorkspaceRoot,
  readActiveEnvironment,
  shouldSpawnSupervisor,
  validateEnvironmentName,
} from '@comfyvisor/detection';
import {
  acquireSwitchLock,
  metadataDir,
  readStartupState,
  releaseSwitchLock,
  removeSwitchRequest,
  writeCommand,
  writeSwitchRequest,
} from '@comfyvisor/ipc-files';
import { extractComfyuiArgs } from './extract-args.ts';
import { spawnSupervisor } from './spawn-supervisor.ts';
import { checkSwitchCapability } from './supervisor-capability.ts';

export type SwitchRequestResult =
  | {
      status: 'switching';
      /** `exit_43`: the calling ComfyUI must now exit with 43; `none`: nothing more to do. */
      next: 'exit_43' | 'none';
      spawned: { pid: number } | null;
      workspace: string;
      target: string;
      source: string | null;
    }
  | { status: 'busy'; message: string }
  /** A supervisor runs but cannot switch on request (the Python one); nothing was left behind. */
  | { status: 'unsupported'; pid: number | null; message: string }
  /** A supervisor runs but its control API does not answer, so what it can do is unknown. */
  | { status: 'unreachable'; pid: number | null; message: string }
  | { status: 'invalid'; message: string }
  | { status: 'not_found'; what: 'workspace' | 'environment'; message: string }
  | { status: 'error'; message: string };

export interface RequestSwitchOptions {
  target: string;
  /** The environment the caller runs in (the rollback target). */
  source?: string | null | undefined;
  workspace?: string | null | undefined;
  /** ComfyUI's args for a supervisor spawned now (default: from `.startup_state.json`). */
  args?: string[] | undefined;
  /** `comfyui`: a ComfyUI process that will exit 43; `external`: a panel, CLI or dashboard. @default 'comfyui' */
  caller?: 'comfyui' | 'external' | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Spawns the supervisor (injectable for tests). @default spawnSupervisor */
  spawn?: typeof spawnSupervisor | undefined;
  /** Asks the running supervisor what it can do (injectable for tests). @default checkSwitchCapability */
  checkCapability?: typeof checkSwitchCapability | undefined;
}

/** One switch request, once its target is checked and the lock is taken. */
interface SwitchCall {
  options: RequestSwitchOptions;
  env: NodeJS.ProcessEnv;
  workspace: string;
  dir: string;
  source: string | null;
}

/** The workspace the target environment is in, or why the switch cannot be asked for. */
function targetWorkspace(
  options: RequestSwitchOptions,
  env: NodeJS.ProcessEnv,
): string | SwitchRequestResult {
  const workspace = options.workspace ?? findWorkspaceRoot({ env });
  if (!workspace) return { status: 'not_found', what: 'workspace', message: 'no ComfyGit workspace found' };
  const check = validateEnvironmentName(options.target);
  if (!check.ok) return { status: 'invalid', message: `invalid environment name: ${check.reason}` };
  if (!environmentExists(workspace, options.target)) {
    return { status: 'not_found', what: 'environment', message: `Environment '${options.target}' not found` };
  }
  return workspace;
}

/** The answer for a switch under way. */
function switching(
  call: SwitchCall,
  next: 'exit_43' | 'none',
  spawned: { pid: number } | null,
): SwitchRequestResult {
  return {
    status: 'switching',
    next,
    spawned,
    workspace: call.workspace,
    target: call.options.target,
    source: call.source,
  };
}

/** A supervisor runs for someone else's ComfyUI: ask it directly, if it can be asked. */
async function askRunningSupervisor(call: SwitchCall, pid: number | null): Promise<SwitchRequestResult> {
  const capability = await (call.options.checkCapability ?? checkSwitchCapability)(call.workspace);
  if (!capability.ok) {
    await releaseSwitchLock(call.dir);
    return { status: capability.reason, pid, message: capability.message };
  }
  await writeCommand(call.dir, { command: 'switch', targetEnv: call.options.target });
  return switching(call, 'none', null);
}

/** No supervisor runs: write the request, then start one (lazy supervision) that honours it. */
async function spawnForSwitch(call: SwitchCall): Promise<SwitchRequestResult> {
  const { options, env, workspace, dir, source } = call;
  const startup = options.args ? null : await readStartupState(dir);
  const args = options.args ?? (startup ? extractComfyuiArgs(startup.argv) : []);
  // The request is written first, so the new supervisor honours it at start-up.
  await writeSwitchRequest(dir, { targetEnv: options.target, sourceEnv: source });
  const initial = source ?? readActiveEnvironment(workspace) ?? options.target;
  const spawned = await (options.spawn ?? spawnSupervisor)({ workspace, environment: initial, args, env });
  return switching(call, (options.caller ?? 'comfyui') === 'comfyui' ? 'exit_43' : 'none', {
    pid: spawned.pid,
  });
}

/** With the lock held: hands the request to whoever carries out the switch. */
async function switchWithLock(call: SwitchCall): Promise<SwitchRequestResult> {
  const decision = await shouldSpawnSupervisor({ env: call.env, workspace: call.workspace });
  if (!decision.spawn && decision.reason === 'supervised') {
    // Our ComfyUI is the supervisor's child: it reads the request when we exit with 43.
    await writeSwitchRequest(call.dir, { targetEnv: call.options.target, sourceEnv: call.source });
    return switching(call, 'exit_43', null);
  }
  if (!decision.spawn) return askRunningSupervisor(call, decision.pid ?? null);
  return spawnForSwitch(call);
}

/**
 * Asks for a switch, as the panel does: validates the target, takes the lock (held → `busy`),
 * spawns a supervisor when none runs (lazy supervision: only at the first switch), writes the
 * request, and says what comes next. Any failure releases the lock.
 */
export async function requestSwitch(options: RequestSwitchOptions): Promise<SwitchRequestResult> {
  const env = options.env ?? process.env;
  const workspace = targetWorkspace(options, env);
  if (typeof workspace !== 'string') return workspace;
  const dir = metadataDir(workspace);
  // The lock outlives this process (the supervisor releases it when the switch ends): no owner pid.
  const lock = await acquireSwitchLock(dir, { owner: null });
  if (!lock.ok) return { status: 'busy', message: 'Environment switch already in progress' };
  try {
    return await switchWithLock({ options, env, workspace, dir, source: options.source ?? null });
  } catch (error) {
    // Nothing may stay behind to be honoured later, nor block the next switch for 300 s.
    await removeSwitchRequest(dir);
    await releaseSwitchLock(dir);
    return { status: 'error', message: (error as Error).message };
  }
}
