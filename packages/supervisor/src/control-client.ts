import { FILE_NAMES, inspectControlPort, metadataDir } from '@comfyvisor/ipc-files';

export type ControlResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; reason: 'unreachable' | 'http_error'; status?: number; error: string; body?: unknown };

export interface HealthBody {
  status: 'alive';
  pid: number;
  current_env: string;
  supervised: boolean;
  comfyui?: {
    pid: number;
    running: boolean;
    uptime_seconds: number;
    /** Ours only: ComfyUI's queue at the supervisor's last look. */
    queue?: { running: number; pending: number } | null;
    memory?: {
      rss_bytes: number | null;
      gpu_bytes: number | null;
      rss_limit_bytes: number | null;
      vram_limit_bytes: number | null;
    };
  };
  /** Ours only: a planned stop waiting for the running prompt (`since`: seconds since the epoch). */
  draining?: { action: string; since: number; prompt_id: string | null } | null;
  /** Ours only: the Python supervisor does not say what it is. */
  supervisor?: { name: string; version: string; capabilities: string[] };
}

export interface ControlClient {
  readonly url: string;
  health(): Promise<ControlResult<HealthBody>>;
  status(): Promise<ControlResult<Record<string, unknown>>>;
  /** `force`: no wait for ComfyUI's running prompt (the drain). */
  restart(options?: { force?: boolean }): Promise<ControlResult<Record<string, unknown>>>;
  kill(options?: { force?: boolean }): Promise<ControlResult<Record<string, unknown>>>;
  switchTo(targetEnv: string, options?: { force?: boolean }): Promise<ControlResult<Record<string, unknown>>>;
}

/** A larger answer is not read: whatever `.control_port` names may be anything. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The body as text, or null when it is larger than `MAX_RESPONSE_BYTES` (then it is not read on). */
async function readBounded(response: Response): Promise<string | null> {
  if (Number(response.headers.get('content-length') ?? 0) > MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => {});
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await response.body?.cancel().catch(() => {});
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A client of the control API. Never throws: a supervisor that does not answer is a value. */
export function createControlClient(
  target: { port: number; host?: string },
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): ControlClient {
  const url = `http://${target.host ?? '127.0.0.1'}:${target.port}`;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const request = options.fetch ?? fetch;
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ControlResult<T>> {
    try {
      const response = await request(`${url}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      const text = await readBounded(response);
      if (text === null)
        return { ok: false, reason: 'http_error', status: response.status, error: 'answer too large' };
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      if (!response.ok) {
        const said = (parsed as { error?: unknown } | null)?.error;
        const error = typeof said === 'string' ? said.slice(0, 500) : `HTTP ${response.status}`;
        return { ok: false, reason: 'http_error', status: response.status, error, body: parsed };
      }
      return { ok: true, status: response.status, body: parsed as T };
    } catch (error) {
      return { ok: false, reason: 'unreachable', error: (error as Error).message };
    }
  }
  return {
    url,
    health: () => call('GET', '/health'),
    status: () => call('GET', '/status'),
    restart: (o = {}) => call('POST', '/restart', o.force ? { force: true } : undefined),
    kill: (o = {}) => call('POST', '/kill', o.force ? { force: true } : undefined),
    switchTo: (targetEnv, o = {}) =>
      call('POST', '/switch', { target_env: targetEnv, ...(o.force ? { force: true } : {}) }),
  };
}

/** What `.control_port` leads to. */
export type SupervisorLookup =
  | { kind: 'found'; client: ControlClient; health: HealthBody }
  | { kind: 'none' }
  | { kind: 'invalid_port'; message: string }
  | { kind: 'no_answer'; port: number; message: string };

/** Finds the supervisor of `workspace` through `.control_port`, telling every way it can fail apart. */
export async function findSupervisor(
  workspace: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<SupervisorLookup> {
  const port = await inspectControlPort(metadataDir(workspace));
  if (port.kind === 'missing') return { kind: 'none' };
  if (port.kind === 'invalid')
    return { kind: 'invalid_port', message: `${FILE_NAMES.controlPort} is unusable (${port.reason})` };
  const client = createControlClient({ port: port.value }, options);
  const health = await client.health();
  if (health.ok && health.body?.status === 'alive') return { kind: 'found', client, health: health.body };
  return {
    kind: 'no_answer',
    port: port.value,
    message: `nothing answers on the control port ${port.value} named by ${FILE_NAMES.controlPort} (${health.ok ? 'not a supervisor' : health.error})`,
  };
}
