// PROTOTYPE (measured by scripts/bench-variants.ts, not used by comfyvisor): the control API on
// node:http alone, same routes, host/origin checks and replies as packages/supervisor's Hono version.
// Without hono + @hono/node-server, the supervisor never touches the global Request/Response, so Node
// never loads undici (and never compiles its llhttp WebAssembly): ~10 MB of RSS and ~20 ms of start.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Resolved by bench-variants' esbuild plugin to packages/supervisor/dist/errors.js.
import { ControlPortInUseError } from 'supervisor-internal:errors';
import { metadataDir, readSwitchStatus, switchStatusToWire } from '@comfyvisor/ipc-files';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const MAX_BODY = 64 * 1024;

interface SupervisorLike {
  snapshot(): {
    pid: number;
    currentEnv: string;
    comfyui: { pid: number; running: boolean; startedAt: number } | null;
  };
  send(command: { command: 'restart' } | { command: 'shutdown' }): void;
  requestSwitch(target: string): Promise<{ ok: true } | { ok: false; status: number; error: string }>;
}

export function allowedOrigins(comfyuiPort: number): Set<string> {
  return new Set([`http://127.0.0.1:${comfyuiPort}`, `http://localhost:${comfyuiPort}`]);
}

function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? null;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) {
        resolve(null);
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(null));
  });
}

export type ControlHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createControlApp(
  supervisor: SupervisorLike,
  options: { workspace: string; comfyuiPort: number },
): ControlHandler {
  const origins = allowedOrigins(options.comfyuiPort);
  const dir = metadataDir(options.workspace);
  return (req, res) => {
    const headers: Record<string, string> = {};
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const host = hostnameOf(req.headers.host);
    if (host === null || !LOOPBACK_HOSTS.has(host)) return json(403, { error: 'host not allowed' });
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) return json(403, { error: 'Origin not allowed' });
    if (origin !== undefined) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-allow-credentials'] = 'true';
      headers.vary = 'Origin';
    }
    if (req.method === 'OPTIONS') {
      if (origin === undefined) return json(403, { error: 'Origin required' });
      res
        .writeHead(200, {
          ...headers,
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'Content-Type',
          'access-control-max-age': '86400',
        })
        .end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    if (route === 'GET /health') {
      const snap = supervisor.snapshot();
      const body: Record<string, unknown> = {
        status: 'alive',
        pid: snap.pid,
        current_env: snap.currentEnv,
        supervised: snap.comfyui !== null,
      };
      if (snap.comfyui) {
        body.comfyui = {
          pid: snap.comfyui.pid,
          running: snap.comfyui.running,
          uptime_seconds: Math.floor((Date.now() - snap.comfyui.startedAt) / 1000),
        };
      }
      return json(200, body);
    }
    if (route === 'GET /status') {
      void readSwitchStatus(dir).then((status) =>
        json(
          200,
          status
            ? switchStatusToWire(status)
            : {
                state: 'idle',
                current_env: supervisor.snapshot().currentEnv,
                message: 'No switch in progress',
              },
        ),
      );
      return;
    }
    if (route === 'POST /restart') {
      supervisor.send({ command: 'restart' });
      return json(200, { status: 'restart_requested', message: 'Restart command queued' });
    }
    if (route === 'POST /kill') {
      supervisor.send({ command: 'shutdown' });
      return json(200, { status: 'shutting_down', message: 'Shutdown command queued' });
    }
    if (route === 'POST /switch') {
      void readBody(req).then(async (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text ?? '');
        } catch {
          return json(400, { status: 'error', error: 'body must be JSON: {"target_env": "<name>"}' });
        }
        const target = (body as { target_env?: unknown } | null)?.target_env;
        if (typeof target !== 'string' || target === '')
          return json(400, { status: 'error', error: 'target_env is required' });
        const result = await supervisor.requestSwitch(target);
        if (!result.ok) return json(result.status, { status: 'error', error: result.error });
        return json(200, {
          status: 'switching',
          target_env: target,
          source_env: supervisor.snapshot().currentEnv,
        });
      });
      return;
    }
    return json(404, { error: 'Not Found' });
  };
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export async function startControlServer(
  handler: ControlHandler,
  range: [number, number],
): Promise<ControlServer> {
  for (let port = range[0]; port <= range[1]; port++) {
    const server = createServer(handler);
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
          server.closeAllConnections?.();
        }),
    };
  }
  throw new ControlPortInUseError(
    `no free control port in ${range[0]}-${range[1]} (set orchestrator.control_port_range in orchestrator_config.json)`,
  );
}
