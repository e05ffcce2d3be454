import { isWorkspace } from '@comfyvisor/detection';
import { type Context, Hono } from 'hono';
import { configRoutes, type RouteRegistrar } from './config-routes.ts';
import { logTail } from './dashboard-state.ts';
import { dashboardStream } from './dashboard-stream.ts';
import { describeEnvironments } from './environments.ts';
import { idleStatus, panelSwitchStatus, readRawControlPort } from './raw-files.ts';
import type { requestSwitch, SwitchRequestResult } from './request-switch.ts';
import { currentEnvironment, proxyToSupervisor, supervisorStatus } from './supervisor-proxy.ts';

/** `GET /v2/comfygit/logs` reads at most this much of the log's end (room for its 500 lines). */
const LOGS_ROUTE_BYTES = 256 * 1024;

/** The answer of `POST /v2/comfygit/switch_environment` for each outcome (the reference's codes). */
function switchAnswer(result: SwitchRequestResult): {
  status: 200 | 400 | 404 | 409 | 500 | 501 | 503;
  body: object;
} {
  switch (result.status) {
    case 'switching':
      return { status: 200, body: { status: 'switching', message: `Switching to ${result.target}...` } };
    case 'busy':
      return { status: 409, body: { error: result.message } };
    case 'not_found':
      return { status: 404, body: { error: result.message } };
    case 'invalid':
      return { status: 400, body: { error: result.message } };
    case 'unsupported':
      return { status: 501, body: { error: result.message, code: 'switch_not_supported' } };
    case 'unreachable':
      return { status: 503, body: { error: result.message, code: 'orchestrator_unreachable' } };
    default:
      return { status: 500, body: { error: result.message } };
  }
}

/** `POST /v2/comfygit/switch_environment`: checks the body, then asks for the switch. */
function switchEnvironmentRoute(workspace: string, ask: typeof requestSwitch) {
  return async (c: Context) => {
    let body: { target_env?: unknown; workspace_path?: unknown };
    try {
      body = (await c.req.json()) as typeof body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return c.json({ error: 'Invalid JSON' }, 400);
    }
    // Only target_env matters: any other field (a string `timestamp`, say) is ignored.
    if (typeof body.target_env !== 'string' || body.target_env === '')
      return c.json({ error: 'target_env required' }, 400);
    let root = workspace;
    if (body.workspace_path) {
      if (typeof body.workspace_path !== 'string' || !isWorkspace(body.workspace_path)) {
        return c.json({ error: `Workspace not found at ${String(body.workspace_path)}` }, 404);
      }
      root = body.workspace_path;
    }
    const answer = switchAnswer(await ask({ target: body.target_env, workspace: root, caller: 'external' }));
    return c.json(answer.body, answer.status);
  };
}

/** The switch: asking for one, its status file, and the supervisor's control port. */
function switchRoutes(workspace: string, ask: typeof requestSwitch, route: RouteRegistrar): void {
  route('POST', '/v2/comfygit/switch_environment', switchEnvironmentRoute(workspace, ask));

  route('GET', '/v2/comfygit/switch_status', async (c) => {
    const read = await panelSwitchStatus(workspace);
    if (read.kind === 'invalid') return c.json({ error: 'invalid_status_file', message: read.message }, 500);
    return c.json(read.kind === 'status' ? read.body : idleStatus());
  });

  route('GET', '/v2/comfygit/orchestrator_port', async (c) => {
    const read = await readRawControlPort(workspace);
    if (read.kind === 'missing') return c.json({ error: 'Control server not running' }, 404);
    if (read.kind === 'invalid') return c.json({ error: 'Invalid port file', message: read.message }, 500);
    return c.json({ port: read.port });
  });
}

/** The supervisor's health and status, and restart / kill (passed on to it). */
function orchestratorRoutes(workspace: string, route: RouteRegistrar): void {
  route('GET', '/v2/comfygit/orchestrator/health', async (c) => {
    const r = await proxyToSupervisor(workspace, 'health');
    return c.json(r.body as object, r.status as 200);
  });
  route('GET', '/v2/comfygit/orchestrator/status', async (c) => c.json(await supervisorStatus(workspace)));
  for (const action of ['restart', 'kill'] as const) {
    route('POST', `/v2/comfygit/orchestrator/${action}`, async (c) => {
      // `{"force": true}` or `?force=1` skips the drain; the panel's own buttons send neither
      const body = (await c.req.json().catch(() => null)) as { force?: unknown } | null;
      const force = body?.force === true || ['1', 'true'].includes(c.req.query('force') ?? '');
      const r = await proxyToSupervisor(workspace, action, undefined, { force });
      return c.json(r.body as object, r.status as 200);
    });
  }
}

/** The environments, and for the dashboard the log's tail. */
function environmentAndLogRoutes(workspace: string, route: RouteRegistrar): void {
  route('GET', '/v2/comfygit/environments', async (c) =>
    c.json(await describeEnvironments(workspace, await currentEnvironment(workspace))),
  );
  // For the dashboard: the tail of the log (ComfyUI's output, else the detached supervisor's own).
  route('GET', '/v2/comfygit/logs', async (c) => {
    const lines = Math.min(500, Math.max(1, Number(c.req.query('lines') ?? 50) || 50));
    return c.json(await logTail(workspace, lines, LOGS_ROUTE_BYTES));
  });
}

/** A known path with another method: 405 with Allow, as aiohttp answers. */
function answerOtherMethods(panel: Hono, allowed: Map<string, string[]>): void {
  for (const [path, methods] of allowed) {
    panel.all(path, (c) => {
      c.header('Allow', methods.join(', '));
      return c.json(
        {
          error: 'method_not_allowed',
          message: `${c.req.method} is not allowed here; use ${methods.join(' or ')}`,
        },
        405,
      );
    });
  }
}

/** The panel's routes (served at `/v2/comfygit/...` and under `/api`), as a Hono app. */
export function panelRoutes(workspace: string, ask: typeof requestSwitch): Hono {
  const panel = new Hono();
  const allowed = new Map<string, string[]>();
  const route: RouteRegistrar = (method, path, handler) => {
    allowed.set(path, [...(allowed.get(path) ?? []), method]);
    panel.on(method, path, handler);
  };

  switchRoutes(workspace, ask, route);
  orchestratorRoutes(workspace, route);
  environmentAndLogRoutes(workspace, route);
  // The reference's config and orchestrator-log routes, and the dashboard's settings.
  configRoutes(workspace, route);
  // For the dashboard: what it shows, pushed as server-sent events.
  const stream = dashboardStream(workspace);
  route('GET', '/v2/comfygit/dashboard/stream', async (c) => stream(c));

  answerOtherMethods(panel, allowed);
  return panel;
}
