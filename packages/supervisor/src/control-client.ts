import { metadataDir, readControlPort } from '@comfyvisor/ipc-files';

export type ControlResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; reason: 'unreachable' | 'http_error'; status?: number; error: string; body?: unknown };

export interface HealthBody {
  status: 'alive';
  pid: number;
  current_env: string;
  supervised: boolean;
  comfyui?: { pid: number; running: boolean; uptime_seconds: number };
}

export interface ControlClient {
  readonly url: string;
  health(): Promise<ControlResult<HealthBody>>;
  status(): Promise<ControlResult<Record<string, unknown>>>;
  restart(): Promise<ControlResult<Record<string, unknown>>>;
  kill(): Promise<ControlResult<Record<string, unknown>>>;
  switchTo(targetEnv: string): Promise<ControlResult<Record<string, unknown>>>;
}

/** A client of the control API. Never throws: a supervisor that does not answer is a value. */
export function createControlClient(
  target: { port: number; host?: string },
  options: { timeoutMs?: number } = {},
): ControlClient {
  const url = `http://${target.host ?? '127.0.0.1'}:${target.port}`;
  const timeoutMs = options.timeoutMs ?? 2_000;
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ControlResult<T>> {
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      if (!response.ok) {
        const error = (parsed as { error?: string } | null)?.error ?? `HTTP ${response.status}`;
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
    restart: () => call('POST', '/restart'),
    kill: () => call('POST', '/kill'),
    switchTo: (targetEnv) => call('POST', '/switch', { target_env: targetEnv }),
  };
}

/** The client of the supervisor of `workspace`, or null when none answers. */
export async function findControlClient(
  workspace: string,
  options: { timeoutMs?: number } = {},
): Promise<ControlClient | null> {
  const port = await readControlPort(metadataDir(workspace));
  if (port === null) return null;
  const client = createControlClient({ port }, options);
  const health = await client.health();
  return health.ok && health.body?.status === 'alive' ? client : null;
}
