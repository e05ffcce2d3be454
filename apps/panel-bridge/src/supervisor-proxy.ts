import { detectEnvironment } from '@comfyvisor/detection';
import { metadataDir, readControlPort, readStartupState } from '@comfyvisor/ipc-files';
import { type ControlResult, createControlClient } from '@comfyvisor/supervisor';
import { idleStatus, panelSwitchStatus } from './raw-files.ts';

export type ProxyResult = { status: number; body: unknown };

const UNAVAILABLE: ProxyResult = {
  status: 503,
  body: { error: 'orchestrator_unavailable', message: 'Orchestrator control server not available' },
};

async function client(workspace: string, timeoutMs: number) {
  const port = await readControlPort(metadataDir(workspace));
  return port === null ? null : createControlClient({ port }, { timeoutMs });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** As the reference's proxy: the supervisor's JSON and status; no answer or no JSON object → 503. */
function toProxy(result: ControlResult<unknown>): ProxyResult {
  if (result.ok && isObject(result.body)) return { status: result.status, body: result.body };
  if (!result.ok && result.reason === 'http_error' && isObject(result.body)) {
    return { status: result.status ?? 502, body: result.body };
  }
  const message = result.ok ? 'the control server did not answer with a JSON object' : result.error;
  return { status: 503, body: { error: 'orchestrator_unreachable', message } };
}

/** Calls the supervisor's control API the way the panel's proxy routes do. */
export async function proxyToSupervisor(
  workspace: string,
  action: 'health' | 'status' | 'restart' | 'kill',
  timeoutMs?: number,
  options: { force?: boolean } = {},
): Promise<ProxyResult> {
  // The reference's timeouts: status 2 s, health 5 s, restart and kill 10 s.
  const c = await client(
    workspace,
    timeoutMs ?? (action === 'status' ? 2_000 : action === 'health' ? 5_000 : 10_000),
  );
  if (!c) return UNAVAILABLE;
  if (action === 'restart' || action === 'kill') return toProxy(await c[action](options));
  return toProxy(await c[action]());
}

/**
 * The switch status from the file (what the panel polls), every field as it is on disk, or idle.
 * A corrupt file is idle here (as the reference's orchestrator/status fallback); the
 * `switch_status` route reads it with `panelSwitchStatus` to answer 500 instead.
 */
export async function switchStatusFromFile(workspace: string): Promise<Record<string, unknown>> {
  const read = await panelSwitchStatus(workspace);
  return read.kind === 'status' ? read.body : idleStatus();
}

/** Supervisor status with the status file as fallback when no supervisor answers. */
export async function supervisorStatus(workspace: string): Promise<Record<string, unknown>> {
  const proxied = await proxyToSupervisor(workspace, 'status');
  if (proxied.status !== 503) return proxied.body as Record<string, unknown>;
  return switchStatusFromFile(workspace);
}

/**
 * The environment ComfyUI runs in: the supervisor's `current_env` when it answers, else the
 * environment whose ComfyUI folder `.startup_state.json` names as working directory, else null.
 */
export async function currentEnvironment(workspace: string): Promise<string | null> {
  const health = await proxyToSupervisor(workspace, 'health', 1_000);
  const fromHealth = (health.body as { current_env?: unknown } | null)?.current_env;
  if (health.status === 200 && typeof fromHealth === 'string' && fromHealth !== '') return fromHealth;
  const startup = await readStartupState(metadataDir(workspace));
  if (!startup?.workingDirectory) return null;
  const found = detectEnvironment({ cwd: startup.workingDirectory, env: { COMFYGIT_HOME: workspace } });
  return found.managed ? found.environment.name : null;
}
