import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actAfterAnswer, createCallerLookup, type Later, type PeerCheck } from './control-after.ts';
import { bindFirstFree, type Listen } from './control-bind.ts';
import { MAX_BODY_BYTES } from './control-body.ts';
import { allowedOrigins, checkBrowserRules } from './control-origin.ts';
import type { ControlTarget } from './control-routes.ts';
import { answerRoute, isCommandRoute, matchRoute, type Reply } from './control-routes.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import { httpDate } from './utc-time.ts';

export { ControlPortBindError } from './control-bind.ts';
export { allowedOrigins } from './control-origin.ts';
export type { ControlTarget } from './control-routes.ts';
export { CAPABILITIES } from './control-routes.ts';

export interface ControlServerOptions {
  comfyuiPort: number;
  /** For `/health`'s `supervisor` block. @default 'unknown' */
  version?: string | undefined;
  /**
   * Whether the peer of a request is ComfyUI (or one of its children): the panel's proxy inside
   * ComfyUI must get its answer before we stop ComfyUI. null when it cannot be known. Asked when
   * a command arrives, while its caller is connected.
   */
  peerIsComfyui?: PeerCheck | undefined;
  /** How long after the answer is flushed a command from ComfyUI (or an unknown peer) waits. @default 300 */
  replyDelayMs?: number | undefined;
  /** Runs the delayed command (tests hold it). @default an unref'd setTimeout */
  later?: Later | undefined;
  /** Largest request body read. @default 65536 */
  maxBodyBytes?: number | undefined;
  /** Binds the server to a port (tests inject failures). @default server.listen */
  listen?: Listen | undefined;
  /**
   * The Unix user on the other end of a request (null: cannot be told). Given, only this process's
   * own user and root may use the API: anyone else gets 403, except for `GET /health`.
   */
  peerUid?: ((socket: { localPort: number; remotePort: number }) => Promise<number | null>) | undefined;
}

/** Another local user is not the supervisor's owner: 403 for everything but `GET /health`. */
async function foreignUser(
  req: IncomingMessage,
  path: string,
  options: ControlServerOptions,
): Promise<boolean> {
  if (!options.peerUid || path === '/health' || typeof process.getuid !== 'function') return false;
  const { localPort = 0, remotePort = 0 } = req.socket;
  const uid = await options.peerUid({ localPort, remotePort }).catch(() => null);
  return uid !== null && uid !== 0 && uid !== process.getuid();
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

async function replyOf(
  target: ControlTarget,
  path: string,
  req: IncomingMessage,
  options: ControlServerOptions,
): Promise<Reply> {
  try {
    return await answerRoute(target, path, req, {
      version: options.version ?? 'unknown',
      maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    });
  } catch (error) {
    return {
      status: 500,
      body: { error: `internal error: ${String((error as Error)?.message).slice(0, 200)}` },
    };
  }
}

/**
 * The control API's request handler (wire): the browser rules (control-origin.ts), the routes
 * (control-routes.ts), and a command acted on only after its answer has been sent
 * (control-after.ts), its caller looked up first, while it is still connected.
 */
export function createControlHandler(target: ControlTarget, options: ControlServerOptions) {
  const origins = allowedOrigins(options.comfyuiPort);
  const callers = createCallerLookup(options.peerIsComfyui, () => {
    const comfyui = target.snapshot().comfyui;
    return comfyui?.running ? comfyui.pid : null;
  });
  const act = (command: SupervisorCommand) => {
    callers.handedOver(command.command);
    target.send(command);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // node's own Date header goes through V8's Date formatting, which loads ICU's time zones (~1 MB)
    res.sendDate = false;
    const headers: Record<string, string> = { date: httpDate(Date.now()) };
    const verdict = checkBrowserRules(req, origins, headers);
    if (verdict.kind === 'refuse') return send(res, verdict.status, { error: verdict.error }, headers);
    if (verdict.kind === 'preflight') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    const { path, problem } = matchRoute(req);
    if (problem) return send(res, problem.status, problem.body, headers);
    if (await foreignUser(req, path, options))
      return send(
        res,
        403,
        { error: 'only the user running the supervisor (or root) may use this' },
        headers,
      );
    const caller = isCommandRoute(path) ? callers.lookUp(req, path) : null;
    const reply = await replyOf(target, path, req, options);
    if (reply.after) {
      const fromComfyui = await caller;
      actAfterAnswer(res, reply.after, fromComfyui ?? null, act, {
        delayMs: options.replyDelayMs ?? 300,
        later: options.later,
      });
    }
    send(res, reply.status, reply.body, headers);
  };
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Binds 127.0.0.1 on the first free port of `range` (control-bind.ts: a port in use moves on,
 * any other bind error stops with its cause).
 */
export async function startControlServer(
  target: ControlTarget,
  range: [number, number],
  options: ControlServerOptions,
): Promise<ControlServer> {
  const handler = createControlHandler(target, options);
  const server = await bindFirstFree(
    () =>
      createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
        void handler(req, res);
      }),
    range,
    { listen: options.listen },
  );
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
