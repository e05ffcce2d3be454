import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metadataDir, readSwitchStatus, switchStatusToWire } from '@comfyvisor/ipc-files';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { ControlPortInUseError } from './errors.ts';
import type { Supervisor } from './supervisor.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The browser origins allowed to call the API: ComfyUI's own page. */
export function allowedOrigins(comfyuiPort: number): Set<string> {
  return new Set([`http://127.0.0.1:${comfyuiPort}`, `http://localhost:${comfyuiPort}`]);
}

function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? null;
}

/** The control API as a Hono app (exported for in-process tests). */
export function createControlApp(
  supervisor: Supervisor,
  options: { workspace: string; comfyuiPort: number },
): Hono {
  const app = new Hono();
  const origins = allowedOrigins(options.comfyuiPort);
  const dir = metadataDir(options.workspace);

  app.use('*', async (c, next) => {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
    const host = hostnameOf(c.req.header('host'));
    if (host === null || !LOOPBACK_HOSTS.has(host)) return c.json({ error: 'host not allowed' }, 403);
    const origin = c.req.header('origin');
    if (origin !== undefined && !origins.has(origin)) return c.json({ error: 'Origin not allowed' }, 403);
    if (origin !== undefined) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Vary', 'Origin');
    }
    if (c.req.method === 'OPTIONS') {
      if (origin === undefined) return c.json({ error: 'Origin required' }, 403);
      c.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '86400');
      return c.body(null, 200);
    }
    await next();
  });

  app.get('/health', (c) => {
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
    return c.json(body);
  });

  app.get('/status', async (c) => {
    const status = await readSwitchStatus(dir);
    if (status) return c.json(switchStatusToWire(status));
    return c.json({
      state: 'idle',
      current_env: supervisor.snapshot().currentEnv,
      message: 'No switch in progress',
    });
  });

  app.post('/restart', (c) => {
    supervisor.send({ command: 'restart' });
    return c.json({ status: 'restart_requested', message: 'Restart command queued' });
  });

  app.post('/kill', (c) => {
    supervisor.send({ command: 'shutdown' });
    return c.json({ status: 'shutting_down', message: 'Shutdown command queued' });
  });

  app.post('/switch', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ status: 'error', error: 'body must be JSON: {"target_env": "<name>"}' }, 400);
    }
    const target = (body as { target_env?: unknown } | null)?.target_env;
    if (typeof target !== 'string' || target === '')
      return c.json({ status: 'error', error: 'target_env is required' }, 400);
    const result = await supervisor.requestSwitch(target);
    if (!result.ok) return c.json({ status: 'error', error: result.error }, result.status);
    return c.json({ status: 'switching', target_env: target, source_env: supervisor.snapshot().currentEnv });
  });

  app.notFound((c) => c.json({ error: 'Not Found' }, 404));
  return app;
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

/** Binds 127.0.0.1 on the first free port of `range`. */
export async function startControlServer(app: Hono, range: [number, number]): Promise<ControlServer> {
  for (let port = range[0]; port <= range[1]; port++) {
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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
