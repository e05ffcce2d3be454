import { metadataDir, readStartupState } from '@comfyvisor/ipc-files';
import { type Context, Hono } from 'hono';
import { authGuard } from './auth-guard.ts';
import { dashboardHtml } from './dashboard.ts';
import { comfyuiOrigins, guard, hostNames, LOOPBACK_HOSTS, limitBody } from './guard.ts';
import { panelRoutes } from './panel-routes.ts';
import type { ProxyOptions } from './proxy-options.ts';
import { normalizeBasePath, pathWithoutBase, requestPlace } from './proxy-place.ts';
import { requestSwitch } from './request-switch.ts';

export interface BridgeAppOptions extends ProxyOptions {
  workspace: string;
  /** Host names the server answers to (DNS rebinding protection). @default loopback names */
  allowedHosts?: string[] | undefined;
  /**
   * Public names of the bridge behind a proxy (`--allow-host`): answered as Host (the port does
   * not matter), and pages from them may call the bridge. Loopback names stay allowed.
   */
  publicHosts?: string[] | undefined;
  /** Answer any IP address as Host (set by startBridgeServer when bound beyond loopback). */
  anyIpHost?: boolean | undefined;
  /**
   * The login token: when set, every request needs it (`Authorization: Bearer`, or the cookie a
   * browser gets for it). @default none: a loopback bridge, as before
   */
  token?: string | undefined;
  /**
   * ComfyUI's port: its page (`http://127.0.0.1:<port>`, `http://localhost:<port>`) may call the
   * bridge. @default the `port` of `.startup_state.json`, else 8188
   */
  comfyuiPort?: number | undefined;
  /** More browser origins allowed besides the server's own and ComfyUI's. */
  allowedOrigins?: string[] | undefined;
  /** Largest request body accepted; larger ones get 413. @default 65536 */
  maxBodyBytes?: number | undefined;
  /** Passed to requestSwitch (tests inject a spawner). */
  requestSwitch?: typeof requestSwitch | undefined;
  /**
   * The Unix user on the other end of a request (null: cannot be told). Given and without a login
   * token, only this process's own user and root may use the bridge (403 for anyone else), as the
   * supervisor's control API: its restart, kill and switch routes are no way around that check.
   */
  peerUid?: ((socket: { localPort: number; remotePort: number }) => Promise<number | null>) | undefined;
}

const DEFAULT_COMFYUI_PORT = 8188;

/** The bridge's routes as a fetch handler (Hono inside; its types stay out of the public API). */
export interface BridgeApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  /** Calls a route in-process, without a server. */
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/** `/cv` (the base path without its slash) → `/cv/`, relative, so an outer proxy's path is kept. */
function toBasePathRoot(basePath: string) {
  return (c: Context) => {
    const query = new URL(c.req.url).search;
    return c.redirect(`${basePath.split('/').at(-1)}/${query}`, 308);
  };
}

/**
 * The panel's routes (also under `/api`) and the dashboard; behind a proxy under `basePath`
 * too; with a login when `token` is set. Checks run in this order: Host and Origin, body size,
 * login, then the route.
 */
export function createBridgeApp(options: BridgeAppOptions): BridgeApp {
  const basePath = normalizeBasePath(options.basePath);
  const app = new Hono({ getPath: pathWithoutBase(basePath) });
  const workspace = options.workspace;
  const extra = options.allowedOrigins ?? [];
  const origins = async () => {
    const port =
      options.comfyuiPort ?? (await readStartupState(metadataDir(workspace)))?.port ?? DEFAULT_COMFYUI_PORT;
    return new Set([...comfyuiOrigins(port), ...extra]);
  };
  const publicHosts = new Set(hostNames(options.publicHosts ?? []));
  const hosts = new Set([...hostNames([...(options.allowedHosts ?? LOOPBACK_HOSTS)]), ...publicHosts]);
  app.use('*', guard({ hosts, publicHosts, anyIpHost: options.anyIpHost, origins }));
  // before the login, whose form is a body too
  app.use('*', limitBody(options.maxBodyBytes ?? 64 * 1024));
  if (basePath !== '') app.get(basePath, toBasePathRoot(basePath));
  if (options.token) {
    const trustProxy = options.trustProxy ?? false;
    app.use(
      '*',
      authGuard({ token: options.token, place: (c) => requestPlace(c, { basePath, trustProxy }) }),
    );
  }

  if (options.peerUid && !options.token) app.use('*', ownerOnly(options.peerUid));

  app.get('/', (c) => {
    c.header('Content-Security-Policy', "frame-ancestors 'none'");
    return c.html(dashboardHtml({ workspace }));
  });
  const panel = panelRoutes(workspace, options.requestSwitch ?? requestSwitch);
  // ComfyUI's `api.fetchApi` puts `/api` before every path; both are served.
  app.route('/', panel);
  app.route('/api', panel);

  app.notFound((c) => c.json({ error: 'not_found', message: `Nothing at ${c.req.path}` }, 404));
  app.onError((error, c) => c.json({ error: 'internal_error', message: error.message }, 500));
  return app;
}

/** A loopback bridge serves only its own Unix user (and root): another local user gets 403. */
function ownerOnly(peerUid: NonNullable<BridgeAppOptions['peerUid']>) {
  const me = typeof process.getuid === 'function' ? process.getuid() : null;
  return async (c: Context, next: () => Promise<void>) => {
    const socket = (
      c.env as { incoming?: { socket?: { localPort?: number; remotePort?: number } } } | undefined
    )?.incoming?.socket;
    if (me !== null && socket?.localPort && socket.remotePort) {
      const uid = await peerUid({ localPort: socket.localPort, remotePort: socket.remotePort }).catch(
        () => null,
      );
      if (uid !== null && uid !== 0 && uid !== me)
        return c.json(
          { error: 'forbidden', message: 'only the user running the bridge (or root) may use it' },
          403,
        );
    }
    await next();
  };
}
