import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile, writeFileAtomic } from '@comfyvisor/ipc-files';
import type { Instance, InstanceMode, InstanceStatus } from './instance.ts';

export const STATE_FILE = 'instances.json';
const STATE_MAX_BYTES = 8 * 1024 * 1024;
const STATUSES = new Set<InstanceStatus>(['deploying', 'starting', 'running', 'stopped', 'error']);

/** The reference's instances.json entry (plus our optional `cuda_visible_devices`). */
export function instanceToWire(instance: Instance): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    id: instance.id,
    name: instance.name,
    environment_name: instance.environmentName,
    mode: instance.mode,
    assigned_port: instance.assignedPort,
    import_source: instance.importSource,
    branch: instance.branch,
    status: instance.status,
    container_id: instance.containerId,
    pid: instance.pid,
    created_at: instance.createdAt,
  };
  if (instance.cudaVisibleDevices !== null) wire.cuda_visible_devices = instance.cudaVisibleDevices;
  return wire;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** One entry of a (possibly foreign or hand-edited) file; null when it cannot be an instance. */
export function instanceFromWire(id: string, value: unknown): Instance | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const data = value as Record<string, unknown>;
  const name = str(data.name);
  const environmentName = str(data.environment_name) ?? name;
  const port = data.assigned_port;
  if (!/^[\w.-]{1,64}$/.test(id) || !name || !environmentName) return null;
  if (!/^[^/\\]+$/.test(environmentName) || environmentName.startsWith('.')) return null;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return null;
  const status = str(data.status) as InstanceStatus | null;
  const pid = data.pid;
  return {
    id,
    name,
    environmentName,
    mode: data.mode === 'docker' ? 'docker' : ('native' as InstanceMode),
    assignedPort: port,
    importSource:
      typeof data.import_source === 'string' ? data.import_source : String(data.import_source ?? ''),
    branch: str(data.branch),
    status: status && STATUSES.has(status) ? status : 'stopped',
    containerId: str(data.container_id),
    pid: typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : null,
    createdAt: str(data.created_at) ?? new Date().toISOString(),
    cudaVisibleDevices: str(data.cuda_visible_devices),
  };
}

export type StateRead = { ok: true; instances: Instance[] } | { ok: false; reason: string; instances: [] };

/** Reads `<stateDir>/instances.json`; a missing, huge, corrupt or foreign file gives a reason, never a throw. */
export async function readStateFile(stateDir: string): Promise<StateRead> {
  const read = await readRegularFile(join(stateDir, STATE_FILE), STATE_MAX_BYTES);
  if (read.kind === 'missing') return { ok: true, instances: [] };
  if (read.kind === 'invalid') return { ok: false, reason: read.reason, instances: [] };
  let data: unknown;
  try {
    data = JSON.parse(read.text);
  } catch {
    return { ok: false, reason: 'not JSON', instances: [] };
  }
  const entries = (data as { instances?: unknown } | null)?.instances;
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) {
    return { ok: false, reason: 'no "instances" object', instances: [] };
  }
  const instances = Object.entries(entries).flatMap(([id, value]) => {
    const instance = instanceFromWire(id, value);
    return instance ? [instance] : [];
  });
  return { ok: true, instances };
}

/** Writes the whole file atomically, in the reference's layout (indent 2). */
export async function writeStateFile(stateDir: string, instances: Iterable<Instance>): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const body = {
    version: '1',
    instances: Object.fromEntries([...instances].map((i) => [i.id, instanceToWire(i)])),
  };
  await writeFileAtomic(join(stateDir, STATE_FILE), JSON.stringify(body, null, 2));
}
