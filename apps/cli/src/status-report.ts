import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isSupervisorProcess } from '@comfyvisor/detection';
import {
  FILE_NAMES,
  inspectControlPort,
  loadConfig,
  readPidFile,
  readStartupState,
  readSwitchStatus,
  silentLogger,
  switchStatusToWire,
} from '@comfyvisor/ipc-files';
import { findComfyuiProcess } from './comfyui-process.ts';
import { metadataOf } from './context.ts';
import { getJson } from './http-get.ts';
import { type RecentEvents, readRecentEvents } from './recent-events.ts';

export interface StatusReport {
  workspace: string;
  supervisor: {
    running: boolean;
    pid: number | null;
    control_port: number | null;
    /** Why its control API could not be asked (`.control_port` unusable, no answer); null when fine. */
    problem: string | null;
  };
  current_env: string | null;
  /** `uptime_seconds` is null only when seen in the process table without `.startup_state.json`. */
  comfyui: {
    pid: number;
    running: boolean;
    uptime_seconds: number | null;
    /** ComfyUI's queue at the supervisor's last look (control API only). */
    queue?: { running: number; pending: number } | null;
    /** Its tree's memory and VRAM and their restart limits, when the control API's /health has them. */
    memory?: ComfyuiMemory | null;
  } | null;
  /** A planned restart, stop or switch waiting for the running prompt (`since`: epoch seconds). */
  draining: { action: string; since: number; prompt_id: string | null } | null;
  /** Where `comfyui` and `current_env` come from: the control API, or the pid files and process table. */
  seen_from: 'control_api' | 'process_table' | null;
  switch: Record<string, unknown> | null;
  /** Restarts, crashes and hangs of the last 24 h and the last exit of ComfyUI, from events.jsonl. */
  events: RecentEvents;
}

/** `/health`'s `comfyui.memory`: bytes, null when unknown (or, for a limit, when off). */
export interface ComfyuiMemory {
  rss_bytes: number | null;
  gpu_bytes: number | null;
  rss_limit_bytes: number | null;
  vram_limit_bytes: number | null;
}

/** Reads `comfyui.memory` of a /health body defensively: null unless it is an object. */
export function memoryFrom(value: unknown): ComfyuiMemory | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const bytes = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null);
  return {
    rss_bytes: bytes(v.rss_bytes),
    gpu_bytes: bytes(v.gpu_bytes),
    rss_limit_bytes: bytes(v.rss_limit_bytes),
    vram_limit_bytes: bytes(v.vram_limit_bytes),
  };
}

/** `/health`'s `comfyui`, with its memory read defensively. */
function comfyuiFrom(value: unknown): StatusReport['comfyui'] {
  if (typeof value !== 'object' || value === null) return null;
  const c = value as NonNullable<StatusReport['comfyui']> & { memory?: unknown };
  const memory = memoryFrom(c.memory);
  const { memory: _raw, ...rest } = c;
  return memory ? { ...rest, memory } : rest;
}

type Health = {
  current_env: string | null;
  comfyui: StatusReport['comfyui'];
  draining?: StatusReport['draining'];
};
type Asked =
  | { ok: true; port: number; health: Health }
  | { ok: false; port: number | null; problem: string | null };

/** How long `status` waits for the control API's whole answer. */
const HEALTH_TIMEOUT_MS = 1_500;

/** The supervisor's own answer through `.control_port`, or why there is none. */
async function askSupervisor(dir: string): Promise<Asked> {
  const port = await inspectControlPort(dir, { logger: silentLogger });
  if (port.kind === 'missing')
    return {
      ok: false,
      port: null,
      problem: (await controlApiEnabled(dir)) ? `${FILE_NAMES.controlPort} is missing` : null,
    };
  if (port.kind === 'invalid')
    return { ok: false, port: null, problem: `${FILE_NAMES.controlPort} is unusable (${port.reason})` };
  const answer = await getJson(`http://127.0.0.1:${port.value}/health`, HEALTH_TIMEOUT_MS);
  if (!answer.ok || answer.body.status !== 'alive') {
    const why = answer.ok ? 'not a supervisor' : answer.detail;
    const problem = `the control port ${port.value} named by ${FILE_NAMES.controlPort} does not answer /health (${why})`;
    return { ok: false, port: port.value, problem };
  }
  const body = answer.body;
  return {
    ok: true,
    port: port.value,
    health: {
      current_env: typeof body.current_env === 'string' ? body.current_env : null,
      comfyui: comfyuiFrom(body.comfyui),
      draining: (body.draining as StatusReport['draining'] | undefined) ?? null,
    },
  };
}

/** A supervisor told not to serve a control API writes no `.control_port`: not a problem then. */
async function controlApiEnabled(dir: string): Promise<boolean> {
  // Read, never create: status must not write into the workspace.
  if (!existsSync(join(dir, FILE_NAMES.config))) return true;
  return (await loadConfig(dir, { logger: silentLogger })).orchestrator.enableControlServer;
}

/** ComfyUI from `.startup_state.json` and the supervisor's children in the process table. */
async function fromProcessTable(dir: string, supervisorPid: number): Promise<Health> {
  const startup = await readStartupState(dir, { logger: silentLogger });
  const found = await findComfyuiProcess(supervisorPid, startup);
  if (!found) return { current_env: null, comfyui: null };
  return {
    current_env: startup?.environmentName ?? null,
    comfyui: { pid: found.pid, running: true, uptime_seconds: found.uptimeSeconds },
  };
}

/** Gathers the status from the files and, when a supervisor answers, its control API. */
export async function gatherStatus(workspace: string): Promise<StatusReport> {
  const dir = metadataOf(workspace);
  const [pid, status, events] = await Promise.all([
    readPidFile(dir),
    readSwitchStatus(dir),
    readRecentEvents(dir),
  ]);
  const alive = pid !== null && isSupervisorProcess(pid);
  const asked: Asked = alive ? await askSupervisor(dir) : { ok: false, port: null, problem: null };
  const seen = asked.ok ? asked.health : alive ? await fromProcessTable(dir, pid) : null;
  return {
    workspace,
    supervisor: {
      running: alive,
      pid: alive ? pid : null,
      control_port: asked.port,
      problem: asked.ok ? null : asked.problem,
    },
    current_env: seen?.current_env ?? null,
    comfyui: seen?.comfyui ?? null,
    draining: seen?.draining ?? null,
    seen_from: asked.ok ? 'control_api' : seen?.comfyui ? 'process_table' : null,
    switch: status ? switchStatusToWire(status) : null,
    events,
  };
}
