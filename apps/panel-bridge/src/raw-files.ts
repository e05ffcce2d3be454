import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, metadataDir } from '@comfyvisor/ipc-files';

/** Status and port files are a few hundred bytes; anything bigger than this is not ours. */
const MAX_BYTES = 256 * 1024;

export type RawRead =
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'ok'; text: string };

/** Reads a regular file of at most MAX_BYTES; a missing file and an unusable one are values. */
export async function readSmallFile(path: string): Promise<RawRead> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO in its place must not hang the request.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
    if (stat.size > MAX_BYTES) return { kind: 'unreadable', reason: `larger than ${MAX_BYTES} bytes` };
    return { kind: 'ok', text: await handle.readFile('utf8') };
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export type StatusRead =
  | { kind: 'idle' }
  | { kind: 'status'; body: Record<string, unknown> }
  | { kind: 'invalid'; message: string };

const IDLE_REASON = 'No switch in progress';

/**
 * `.switch_status.json` exactly as it is on disk, read the way the reference's
 * `GET /v2/comfygit/switch_status` reads it: missing → idle; not JSON or not an object → invalid
 * (the route answers 500 `invalid_status_file`); no `target_env` → idle; otherwise every field,
 * whatever its `state` (a `rolled_back` written by the Python supervisor stays `rolled_back`).
 * Unlike the reference, a file without `target_env` is left in place: it is the supervisor's.
 */
export async function readRawSwitchStatus(workspace: string): Promise<StatusRead> {
  const read = await readSmallFile(join(metadataDir(workspace), FILE_NAMES.switchStatus));
  if (read.kind === 'missing') return { kind: 'idle' };
  if (read.kind === 'unreadable')
    return { kind: 'invalid', message: `Could not read switch status: ${read.reason}` };
  let data: unknown;
  try {
    data = JSON.parse(read.text);
  } catch (error) {
    return { kind: 'invalid', message: `Could not read switch status: ${(error as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { kind: 'invalid', message: 'Could not read switch status: not a JSON object' };
  }
  const body = data as Record<string, unknown>;
  if (!body.target_env) return { kind: 'idle' };
  return { kind: 'status', body };
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
  const read = await readSmallFile(join(metadataDir(workspace), FILE_NAMES.controlPort));
  if (read.kind === 'missing') return { kind: 'missing' };
  if (read.kind === 'unreadable') return { kind: 'invalid', message: `Invalid port file: ${read.reason}` };
  const text = read.text.trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    return { kind: 'invalid', message: `Invalid port file: ${JSON.stringify(text.slice(0, 40))}` };
  }
  return { kind: 'ok', port };
}
