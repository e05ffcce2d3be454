import type { InstanceInfo } from '../worker.ts';

/** The host part of the client's Host header, safe to put in a URL; `localhost` when odd. */
export function hostOf(hostHeader: string | null | undefined): string {
  if (!hostHeader) return 'localhost';
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return `[${bracketed[1]}]`;
  const plain = /^([A-Za-z0-9.-]{1,253})(?::\d+)?$/.exec(hostHeader);
  return plain?.[1] ?? 'localhost';
}

export function comfyuiUrl(info: InstanceInfo, host: string): string | null {
  return info.instance.status === 'running' ? `http://${host}:${info.instance.assignedPort}` : null;
}

export function uptimeSeconds(info: InstanceInfo, now: number): number {
  const since = info.runtime.runningSince;
  return since === null ? 0 : Math.max(0, Math.round((now - since) / 100) / 10);
}

/** The keys every view of an instance has (the 201 of POST /instances is only these). */
export function created(info: InstanceInfo) {
  const i = info.instance;
  return {
    id: i.id,
    name: i.name,
    environment_name: i.environmentName,
    status: i.status,
    mode: i.mode,
    assigned_port: i.assignedPort,
    created_at: i.createdAt,
    cuda_visible_devices: i.cudaVisibleDevices,
  };
}

/** An item of GET /instances: the reference's keys plus environment_name, uptime_seconds and ours. */
export function listItem(info: InstanceInfo, host: string, now: number) {
  return {
    ...created(info),
    comfyui_url: comfyuiUrl(info, host),
    uptime_seconds: uptimeSeconds(info, now),
    restarts: info.runtime.restarts,
  };
}

/** GET /instances/{id}: the reference's keys plus ours. */
export function detail(info: InstanceInfo, host: string, now: number) {
  const i = info.instance;
  return {
    ...listItem(info, host, now),
    import_source: i.importSource,
    branch: i.branch,
    container_id: i.containerId,
    pid: i.pid,
    error: info.runtime.lastError,
  };
}
