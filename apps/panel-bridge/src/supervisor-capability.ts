import { proxyToSupervisor } from './supervisor-proxy.ts';

/** What a running supervisor says about itself in `GET /health` (comfyvisor only). */
export interface SupervisorIdentity {
  name: string;
  version: string | null;
  capabilities: string[];
}

export type CapabilityCheck =
  | { ok: true; identity: SupervisorIdentity }
  | {
      ok: false;
      reason: 'unsupported' | 'unreachable';
      identity: SupervisorIdentity | null;
      message: string;
    };

/** The `supervisor` field of a health body; null when there is none (the Python supervisor has none). */
export function identityOf(health: unknown): SupervisorIdentity | null {
  const field = (health as { supervisor?: unknown } | null)?.supervisor;
  if (typeof field !== 'object' || field === null) return null;
  const { name, version, capabilities } = field as Record<string, unknown>;
  if (typeof name !== 'string' || !Array.isArray(capabilities)) return null;
  return {
    name,
    version: typeof version === 'string' ? version : null,
    capabilities: capabilities.filter((c): c is string => typeof c === 'string'),
  };
}

/** Decides from a health answer whether the supervisor can be asked to switch with a `switch` command. */
export function switchCapabilityFrom(health: { status: number; body: unknown }): CapabilityCheck {
  if (health.status !== 200) {
    const why = (health.body as { message?: unknown } | null)?.message;
    return {
      ok: false,
      reason: 'unreachable',
      identity: null,
      message: `A supervisor is running but its control server does not answer${typeof why === 'string' ? ` (${why})` : ''}, so a switch cannot be requested from here; switch from ComfyUI's own panel, or stop the supervisor and try again`,
    };
  }
  const identity = identityOf(health.body);
  if (identity?.capabilities.includes('switch_command')) return { ok: true, identity };
  const who = identity
    ? `${identity.name} ${identity.version ?? ''}`.trim()
    : 'the ComfyGit Manager (Python) orchestrator';
  return {
    ok: false,
    reason: 'unsupported',
    identity,
    message: `The running supervisor (${who}) cannot switch environments on request; switch from ComfyUI's own panel, or restart ComfyUI under comfyvisor`,
  };
}

/** Asks the supervisor of `workspace` (GET /health) whether it takes a `switch` command. */
export async function checkSwitchCapability(workspace: string): Promise<CapabilityCheck> {
  return switchCapabilityFrom(await proxyToSupervisor(workspace, 'health', 2_000));
}
