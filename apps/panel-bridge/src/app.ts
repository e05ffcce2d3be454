import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isWorkspace, listEnvironments } from '@comfyvisor/detection';
import { metadataDir, readControlPort } from '@comfyvisor/ipc-files';
import { Hono } from 'hono';
import { dashboardHtml } from './dashboard.ts';
import { requestSwitch } from './request-switch.ts';
import { proxyToSupervisor, supervisorStatus, switchStatusFromFile } from './supervisor-proxy.ts';

export interface BridgeAppOptions {
  workspace: string;
  /** Host names the server answers to (DNS rebinding protection). @default loopback names */
  allowedHosts?: string[] | undefined;
  /** Extra browser origins allowed besides the server's own (e.g. ComfyUI's page). */
  allowedOrigins?: string[] | undefined;
  /** Passed to requestSwitch (tests inject a spawner). */
  requestSwitch?: typeof requestSwitch | undefined;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? null;
}

/** The bridge's routes as a fetch handler (Hono inside; its types stay out of the public API). */
export interface BridgeApp {
  fetch(request: Request): Response | Promise<Response>;
  /** Calls a route in-process, without a server. */
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/** The panel's routes and the dashboard. */
export function createBridgeApp(options: BridgeAppOptions): BridgeApp {
  const app = new Hono();
  const hosts = new Set(options.allowedHosts ?? LOOPBACK);
  const extraOrigins = new Set(options.allowedOrigins ?? ['http://127.0.0.1:8188', 'http://localhost:8188']);
  const workspace = options.workspace;
  const ask = options.requestSwitch ?? requestSwitch;

  app.use('*', async (c, next) => {
    const rawHost = c.req.header('host');
    const host = hostnameOf(rawHost);
    if (host === null || !hosts.has(host)) return c.json({ error: 'host not allowed' }, 403);
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== `http://${rawHost}` && !extraOrigins.has(origin)) {
      return c.json({ error: 'Origin not allowed' }, 403);
    }
    await next();
  });

  app.get('/', (c) => c.html(dashboardHtml()));

  app.post('/v2/comfygit/switch_environment', async (c) => {
    let body: { target_env?: unknown; workspace_path?: unknown };
    try {
      body = (await c.req.json()) as typeof body;
      if (!body || typeof body !== 'object') throw new Error('not an object');
    } catch {
      return c.json({ error: 'Invalid JSON' }, 400);
    }
    if (typeof body.target_env !== 'string' || body.target_env === '')
      return c.json({ error: 'target_env required' }, 400);
    let root = workspace;
    if (body.workspace_path !== undefined) {
      if (
        typeof body.workspace_path !== 'string' ||
        !existsSync(body.workspace_path) ||
        !isWorkspace(body.workspace_path)
      ) {
        return c.json({ error: `Workspace not found at ${String(body.workspace_path)}` }, 404);
      }
      root = body.workspace_path;
    }
    const result = await ask({ target: body.target_env, workspace: root, caller: 'external' });
    switch (result.status) {
      case 'switching':
        return c.json({ status: 'switching', message: `Switching to ${result.target}...` });
      case 'busy':
        return c.json({ error: result.message }, 409);
      case 'not_found':
        return c.json({ error: result.message }, 404);
      case 'invalid':
        return c.json({ error: result.message }, 400);
      default:
        return c.json({ error: result.message }, 500);
    }
  });

  app.get('/v2/comfygit/switch_status', async (c) => c.json(await switchStatusFromFile(workspace)));

  app.get('/v2/comfygit/orchestrator_port', async (c) => {
    const port = await readControlPort(metadataDir(workspace));
    if (port === null) return c.json({ error: 'Control server not running' }, 404);
    return c.json({ port });
  });

  app.get('/v2/comfygit/orchestrator/health', async (c) => {
    const r = await proxyToSupervisor(workspace, 'health');
    return c.json(r.body as object, r.status as 200);
  });
  app.get('/v2/comfygit/orchestrator/status', async (c) => c.json(await supervisorStatus(workspace)));
  for (const action of ['restart', 'kill'] as const) {
    app.post(`/v2/comfygit/orchestrator/${action}`, async (c) => {
      const r = await proxyToSupervisor(workspace, action);
      return c.json(r.body as object, r.status as 200);
    });
  }

  // For the dashboard: the environments and the tail of the log.
  app.get('/v2/comfygit/environments', (c) =>
    c.json({ workspace, environments: listEnvironments(workspace).map((e) => ({ name: e.name })) }),
  );
  app.get('/v2/comfygit/logs', async (c) => {
    const lines = Math.min(500, Math.max(1, Number(c.req.query('lines') ?? 50) || 50));
    // ComfyUI's output as the supervisor keeps it; the detached supervisor's own log otherwise.
    for (const name of ['comfyui.log', 'orchestrator.log']) {
      const text = await readFile(join(metadataDir(workspace), name), 'utf8').catch(() => '');
      if (text)
        return c.json({
          file: name,
          lines: text
            .split('\n')
            .filter((l) => l !== '')
            .slice(-lines),
        });
    }
    return c.json({ file: null, lines: [] });
  });

  app.notFound((c) => c.json({ error: 'Not Found' }, 404));
  return app;
}
