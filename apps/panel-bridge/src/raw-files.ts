import {
  inspectControlPort,
  inspectSwitchStatusWire,
  metadataDir,
  READ_LIMITS,
  readRegularFile,
} from '@comfyvisor/ipc-files';

export type RawRead =
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'ok'; text: string };

/** Reads a small regular file (ipc-files' safe read: never a FIFO, never huge). */
export async function readSmallFile(path: string): Promise<RawRead> {
  const read = await readRegularFile(path, READ_LIMITS.json);
  if (read.kind === 'ok') return { kind: 'ok', text: read.text };
  if (read.kind === 'missing') return read;
  return { kind: 'unreadable', reason: read.reason };
}

export type StatusRead =
  | { kind: 'idle' }
  | { kind: 'status'; body: Record<string, unknown> }
  | { kind: 'invalid'; message: string };

const IDLE_REASON = 'No switch in progress';

/**
 * What the panel's status routes make of ipc-files' one switch-status reader, as the reference's
 * `GET /v2/comfygit/switch_status` does: missing → idle; unusable (not JSON, not an object, a known
 * field of the wrong type) → invalid (the route answers 500 `invalid_status_file`); no `target_env`
 * → idle; otherwise every field as it is on disk, whatever its `state`. Unlike the reference, a
 * file without `target_env` is left in place: it is the supervisor's.
 */
export async function panelSwitchStatus(workspace: string): Promise<StatusRead> {
  const read = await inspectSwitchStatusWire(metadataDir(workspace));
  if (read.kind === 'missing') return { kind: 'idle' };
  if (read.kind === 'invalid')
    return { kind: 'invalid', message: `Could not read switch status: ${read.reason}` };
  if (!read.value.target_env) return { kind: 'idle' };
  return { kind: 'status', body: read.value };
}

/** The idle answer of the panel's status routes. */
export function idleStatus(): Record<string, unknown> {
  return { state: 'idle', message: IDLE_REASON };
}

export type PortRead =
  | { kind: 'missing' }
  | { kind: 'invalid'; message: string }
  | { kind: 'ok'; port: number };

/** `.control_port` as the reference reads it: missing → 404; present but not a port → 500. */
export async function readRawControlPort(workspace: string): Promise<PortRead> {
  const read = await inspectControlPort(metadataDir(workspace));
  if (read.kind === 'missing') return read;
  if (read.kind === 'invalid') return { kind: 'invalid', message: `Invalid port file: ${read.reason}` };
  return { kind: 'ok', port: read.value };
}
