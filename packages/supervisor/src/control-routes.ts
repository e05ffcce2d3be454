import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readBody } from './control-body.ts';
import type { SupervisorCommand } from './supervisor-command.ts';

/** What the control API shows and asks: the supervisor, behind an interface. */
export interface ControlTarget {
  snapshot(): {
    pid: number;
    currentEnv: string;
    comfyui: {
      pid: number;
      running: boolean;
      uptimeMs: number;
      queue?: { running: number; pending: number } | null | undefined;
      memory?: MemoryFigures | null | undefined;
    } | null;
    /** A planned stop waiting for the running prompt (`since`: seconds since the epoch). */
    draining?: { action: string; since: number; prompt_id: string | null } | null | undefined;
  };
  send(command: SupervisorCommand): void;
  requestSwitch(
    target: string,
    options?: { force?: boolean },
  ): Promise<{ ok: true } | { ok: false; status: 400 | 404 | 409; error: string }>;
  /** The switch status the supervisor means (wire names), or null: `GET /status` serves it. */
  readStatus(): Promise<Record<string, unknown> | null>;
  /** Prometheus text, when metrics are kept. */
  metrics?: (() => string) | undefined;
}

/** ComfyUI's memory as sampled by the watchdogs (bytes; null when unknown or off). */
export interface MemoryFigures {
  rssBytes: number | null;
  gpuBytes: number | null;
  rssLimitBytes: number | null;
  vramLimitBytes: number | null;
}

/** What our supervisor can do, for clients that must tell it from the Python one. */
export const CAPABILITIES = [
  'restart',
  'kill',
  'switch_command',
  'switch_api',
  'abort_switch',
  'metrics',
  'drain',
];

/** An answer, and the command to act on once it has been sent. */
export interface Reply {
  status: number;
  /** JSON, or text (Prometheus). */
  body: unknown;
  after?: SupervisorCommand | undefined;
}

type Method = 'GET' | 'POST';

/** Each path of the API and its one method. */
const ROUTES: ReadonlyMap<string, Method> = new Map([
  ['/health', 'GET'],
  ['/status', 'GET'],
  ['/metrics', 'GET'],
  ['/restart', 'POST'],
  ['/kill', 'POST'],
  ['/switch', 'POST'],
]);

/** The commands some routes ask for, acted on after the answer. */
const COMMANDS: ReadonlyMap<string, Reply> = new Map([
  [
    '/restart',
    {
      status: 200,
      body: { status: 'restart_requested', message: 'Restart command queued' },
      after: { command: 'restart' },
    },
  ],
  [
    '/kill',
    {
      status: 200,
      body: { status: 'shutting_down', message: 'Shutdown command queued' },
      after: { command: 'shutdown' },
    },
  ],
]);

/** The path of a request and, when it is one of ours with the right method, nothing wrong. */
export function matchRoute(req: IncomingMessage): { path: string; problem: Reply | null } {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const allowed = ROUTES.get(path);
  if (allowed === undefined) return { path, problem: { status: 404, body: { error: 'Not Found' } } };
  if ((req.method ?? 'GET') !== allowed)
    return { path, problem: { status: 405, body: { error: `use ${allowed} for ${path}` } } };
  return { path, problem: null };
}

/** Whether a request to `path` asks for a command (its caller is looked up while it is connected). */
export function isCommandRoute(path: string): boolean {
  return COMMANDS.has(path);
}

function healthBody(target: ControlTarget, version: string): Record<string, unknown> {
  const snap = target.snapshot();
  const body: Record<string, unknown> = {
    status: 'alive',
    pid: snap.pid,
    current_env: snap.currentEnv,
    supervised: snap.comfyui !== null,
  };
  if (snap.comfyui) {
    const { memory } = snap.comfyui;
    body.comfyui = {
      pid: snap.comfyui.pid,
      running: snap.comfyui.running,
      uptime_seconds: Math.floor(snap.comfyui.uptimeMs / 1000),
      queue: snap.comfyui.queue ?? null,
      ...(memory
        ? {
            memory: {
              rss_bytes: memory.rssBytes,
              gpu_bytes: memory.gpuBytes,
              rss_limit_bytes: memory.rssLimitBytes,
              vram_limit_bytes: memory.vramLimitBytes,
            },
          }
        : {}),
    };
  }
  body.draining = snap.draining ?? null;
  body.supervisor = { name: 'comfyvisor', version, capabilities: CAPABILITIES };
  return body;
}

async function switchReply(
  target: ControlTarget,
  req: IncomingMessage,
  maxBodyBytes: number,
): Promise<Reply> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, maxBodyBytes));
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return { status: 413, body: { status: 'error', error: 'request body too large' } };
    return { status: 400, body: { status: 'error', error: 'body must be JSON: {"target_env": "<name>"}' } };
  }
  const wanted = (body as { target_env?: unknown } | null)?.target_env;
  if (typeof wanted !== 'string' || wanted === '')
    return { status: 400, body: { status: 'error', error: 'target_env is required' } };
  const source = target.snapshot().currentEnv;
  const force = (body as { force?: unknown }).force === true || forcedByQuery(req);
  const result = await target.requestSwitch(wanted, force ? { force } : {});
  if (!result.ok) return { status: result.status, body: { status: 'error', error: result.error } };
  return { status: 200, body: { status: 'switching', target_env: wanted, source_env: source } };
}

/** The wire answer of a matched route (see {@link matchRoute}). */
export async function answerRoute(
  target: ControlTarget,
  path: string,
  req: IncomingMessage,
  options: { version: string; maxBodyBytes: number },
): Promise<Reply> {
  const command = COMMANDS.get(path);
  if (command) return withForce(command, req, options.maxBodyBytes);
  switch (path) {
    case '/health':
      return { status: 200, body: healthBody(target, options.version) };
    case '/status': {
      const status = await target.readStatus();
      return {
        status: 200,
        body: status ?? {
          state: 'idle',
          current_env: target.snapshot().currentEnv,
          message: 'No switch in progress',
        },
      };
    }
    case '/metrics':
      return target.metrics
        ? { status: 200, body: target.metrics() }
        : { status: 404, body: { error: 'metrics are not kept' } };
    default:
      return switchReply(target, req, options.maxBodyBytes);
  }
}

/** `?force=1` (or `true`) on the request's URL. */
function forcedByQuery(req: IncomingMessage): boolean {
  const query = (req.url ?? '').split('?')[1] ?? '';
  const force = new URLSearchParams(query).get('force');
  return force === '1' || force === 'true';
}

/**
 * `/restart` and `/kill` wait for ComfyUI's running prompt (the drain) unless forced, by
 * `{"force": true}` in the body or `?force=1`. No body, or one that is not such JSON, is no force:
 * the panel's buttons send none, so they drain.
 */
async function withForce(reply: Reply, req: IncomingMessage, maxBodyBytes: number): Promise<Reply> {
  let force = forcedByQuery(req);
  if (!force && Number(req.headers['content-length'] ?? 1) !== 0) {
    const text = await readBody(req, maxBodyBytes).catch(() => '');
    try {
      force = (JSON.parse(text) as { force?: unknown } | null)?.force === true;
    } catch {
      // not JSON: no force
    }
  }
  if (!force || !reply.after) return reply;
  return { ...reply, after: { ...reply.after, force: true } as SupervisorCommand };
}
