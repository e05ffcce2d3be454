import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  comfyuiOrigins,
  hostnameOf,
  LOOPBACK_HOSTS,
} from './browser-rules.ts';
import { ControlPortInUseError } from './errors.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import { httpDate } from './utc-time.ts';

/** What the control API shows and asks: the supervisor, behind an interface. */
export interface ControlTarget {
  snapshot(): {
    pid: number;
    currentEnv: string;
    comfyui: { pid: number; running: boolean; uptimeMs: number } | null;
  };
  send(command: SupervisorCommand): void;
  requestSwitch(
    target: string,
  ): Promise<{ ok: true } | { ok: false; status: 400 | 404 | 409; error: string }>;
  /** `.switch_status.json` as it is on disk (wire names), or null. */
  readStatus(): Promise<Record<string, unknown> | null>;
  /** Prometheus text, when metrics are kept. */
  metrics?: (() => string) | undefined;
}

export interface ControlServerOptions {
  comfyuiPort: number;
  /** For `/health`'s `supervisor` block. @default 'unknown' */
  version?: string | undefined;
  /**
   * Whether the peer of a request is ComfyUI (or one of its children): the panel's proxy inside
   * ComfyUI must get its answer before we stop ComfyUI. null when it cannot be known.
   */
  peerIsComfyui?:
    | ((socket: { localPort: number; remotePort: number }) => Promise<boolean | null>)
    | undefined;
  /** How long after the answer is flushed a command from ComfyUI (or an unknown peer) waits. @default 300 */
  replyDelayMs?: number | undefined;
  /** Largest request body read. @default 65536 */
  maxBodyBytes?: number | undefined;
}

/** What our supervisor can do, for clients that must tell it from the Python one. */
export const CAPABILITIES = ['restart', 'kill', 'switch_command', 'switch_api', 'abort_switch', 'metrics'];

/** The browser origins allowed to call the API: ComfyUI's own page. */
export function allowedOrigins(comfyuiPort: number): Set<string> {
  return new Set(comfyuiOrigins(comfyuiPort));
}

type Reply = { status: number; body: unknown; after?: SupervisorCommand };

/** Each path of the API and its one method. */
const ROUTES: ReadonlyMap<string, 'GET' | 'POST'> = new Map([
  ['/health', 'GET'],
  ['/status', 'GET'],
  ['/metrics', 'GET'],
  ['/restart', 'POST'],
  ['/kill', 'POST'],
  ['/switch', 'POST'],
]);

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function route(
  target: ControlTarget,
  req: IncomingMessage,
  options: ControlServerOptions,
): Promise<Reply> {
  const path = (req.url ?? '/').split('?')[0];
  const method = req.method ?? 'GET';
  const allowed = path !== undefined ? ROUTES.get(path) : undefined;
  if (allowed === undefined) return { status: 404, body: { error: 'Not Found' } };
  if (method !== allowed) return { status: 405, body: { error: `use ${allowed} for ${path}` } };
  switch (path) {
    case '/health': {
      const snap = target.snapshot();
      const body: Record<string, unknown> = {
        status: 'alive',
        pid: snap.pid,
        current_env: snap.currentEnv,
        supervised: snap.comfyui !== null,
      };
      if (snap.comfyui)
        body.comfyui = {
          pid: snap.comfyui.pid,
          running: snap.comfyui.running,
          uptime_seconds: Math.floor(snap.comfyui.uptimeMs / 1000),
        };
      body.supervisor = {
        name: 'comfyvisor',
        version: options.version ?? 'unknown',
        capabilities: CAPABILITIES,
      };
      return { status: 200, body };
    }
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
    case '/restart':
      return {
        status: 200,
        body: { status: 'restart_requested', message: 'Restart command queued' },
        after: { command: 'restart' },
      };
    case '/kill':
      return {
        status: 200,
        body: { status: 'shutting_down', message: 'Shutdown command queued' },
        after: { command: 'shutdown' },
      };
    default: {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, options.maxBodyBytes ?? 65_536));
      } catch (error) {
        if (error instanceof BodyTooLarge)
          return { status: 413, body: { status: 'error', error: 'request body too large' } };
        return {
          status: 400,
          body: { status: 'error', error: 'body must be JSON: {"target_env": "<name>"}' },
        };
      }
      const wanted = (body as { target_env?: unknown } | null)?.target_env;
      if (typeof wanted !== 'string' || wanted === '')
        return { status: 400, body: { status: 'error', error: 'target_env is required' } };
      const source = target.snapshot().currentEnv;
      const result = await target.requestSwitch(wanted);
      if (!result.ok) return { status: result.status, body: { status: 'error', error: result.error } };
      return { status: 200, body: { status: 'switching', target_env: wanted, source_env: source } };
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type':
      typeof body === 'string' ? 'text/plain; version=0.0.4; charset=utf-8' : 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * The control API's request handler (wire): Host must be a loopback name (DNS rebinding), browser
 * Origins only ComfyUI's own, and a command is acted on only after its answer has been sent:
 * at once for other callers, `replyDelayMs` later when the caller is ComfyUI's own process (the
 * panel's proxy) or cannot be known, so the proxy can relay the answer before ComfyUI stops.
 */
export function createControlHandler(target: ControlTarget, options: ControlServerOptions) {
  const origins = allowedOrigins(options.comfyuiPort);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // node's own Date header goes through V8's Date formatting, which loads ICU's time zones (~1 MB)
    res.sendDate = false;
    const headers: Record<string, string> = { date: httpDate(Date.now()) };
    const host = hostnameOf(req.headers.host);
    if (host === null || !LOOPBACK_HOSTS.has(host))
      return send(res, 403, { error: 'host not allowed' }, headers);
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin))
      return send(res, 403, { error: 'Origin not allowed' }, headers);
    if (origin !== undefined) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-allow-credentials'] = 'true';
      headers.vary = 'Origin';
    }
    if (req.method === 'OPTIONS') {
      if (origin === undefined) return send(res, 403, { error: 'Origin required' }, headers);
      headers['access-control-allow-methods'] = CORS_ALLOWED_METHODS;
      headers['access-control-allow-headers'] = CORS_ALLOWED_HEADERS;
      headers['access-control-max-age'] = '86400';
      res.writeHead(200, headers);
      res.end();
      return;
    }
    let reply: Reply;
    try {
      reply = await route(target, req, options);
    } catch (error) {
      reply = {
        status: 500,
        body: { error: `internal error: ${String((error as Error)?.message).slice(0, 200)}` },
      };
    }
    const command = reply.after;
    if (command) {
      const peer = { localPort: req.socket.localPort ?? 0, remotePort: req.socket.remotePort ?? 0 };
      const fromComfyui = options.peerIsComfyui
        ? options.peerIsComfyui(peer).catch(() => null)
        : Promise.resolve(null);
      res.once('finish', () => {
        void fromComfyui.then((isComfyui) => {
          if (isComfyui === false) return target.send(command);
          setTimeout(() => target.send(command), options.replyDelayMs ?? 300).unref();
        });
      });
    }
    send(res, reply.status, reply.body, headers);
  };
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

/** Binds 127.0.0.1 on the first free port of `range`. */
export async function startControlServer(
  target: ControlTarget,
  range: [number, number],
  options: ControlServerOptions,
): Promise<ControlServer> {
  const handler = createControlHandler(target, options);
  for (let port = range[0]; port <= range[1]; port++) {
    const server: Server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
      void handler(req, res);
    });
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    server.unref();
    const actual = (server.address() as AddressInfo).port;
    return {
      port: actual,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }
  throw new ControlPortInUseError(
    `no free control port in ${range[0]}-${range[1]} (set orchestrator.control_port_range in orchestrator_config.json)`,
  );
}
