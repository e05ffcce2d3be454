import { metadataDir, readControlPort, readSwitchStatus, switchStatusToWire } from '@comfyvisor/ipc-files';
import { type ControlResult, createControlClient } from '@comfyvisor/supervisor';

export type ProxyResult = { status: number; body: unknown };

const UNAVAILABLE: ProxyResult = {
  status: 503,
  body: { error: 'orchestrator_unavailable', message: 'Orchestrator control server not available' },
};

async function client(workspace: string, timeoutMs: number) {
  const port = await readControlPort(metadataDir(workspace));
  return port === null ? null : createControlClient({ port }, { timeoutMs });
}

function toProxy(result: ControlResult<unknown>): ProxyResult {
  if (result.ok) return { status: result.status, body: result.body };
  if (result.reason === 'unreachable')
    return { status: 503, body: { error: 'orchestrator_unreachable', message: result.error } };
  return { status: result.status ?? 502, body: result.body ?? { error: result.error } };
}

/** Calls the supervisor's control API the way the panel's proxy routes do. */
export async function proxyToSupervisor(
  workspace: string,
  action: 'health' | 'status' | 'restart' | 'kill',
): Promise<ProxyResult> {
  const c = await client(workspace, action === 'status' ? 2_000 : action === 'health' ? 5_000 : 10_000);
  if (!c) return UNAVAILABLE;
  return toProxy(await c[action]());
}

/** The switch status from the file (what the panel polls), or idle. */
export async function switchStatusFromFile(workspace: string): Promise<Record<string, unknown>> {
  const status = await readSwitchStatus(metadataDir(workspace));
  if (!status || !status.targetEnv) return { state: 'idle', message: 'No switch in progress' };
  return switchStatusToWire(status);
}

/** Supervisor status with the status file as fallback when no supervisor answers. */
export async function supervisorStatus(workspace: string): Promise<Record<string, unknown>> {
  const proxied = await proxyToSupervisor(workspace, 'status');
  if (proxied.status !== 503) return proxied.body as Record<string, unknown>;
  return switchStatusFromFile(workspace);
}
