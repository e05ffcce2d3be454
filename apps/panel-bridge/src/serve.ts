import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findConnectionUid } from '@comfyvisor/processes';
import { createAdaptorServer } from '@hono/node-server';
import { type BridgeAppOptions, createBridgeApp } from './app.ts';
import { BridgeConfigError } from './errors.ts';
import { normalizeBasePath } from './proxy-place.ts';

export interface BridgeServer {
  /** The bridge's own root (`http://127.0.0.1:<port>/`). */
  url: string;
  /** Where to open the dashboard: under the base path, with `?token=` when there is a login. */
  loginUrl: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_BINDS = ['127.0.0.1', 'localhost', '[::1]', '::1'];
const WILDCARD_BINDS: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1', '[::]': '::1' };

/**
 * Whether a bridge set up this way can be reached from beyond loopback: bound to another
 * address, or meant to sit behind a proxy (public names, a base path, trusted proxy headers).
 */
export function reachesBeyondLoopback(options: BridgeAppOptions & { host?: string | undefined }): boolean {
  return (
    !LOOPBACK_BINDS.includes(options.host ?? '127.0.0.1') ||
    (options.publicHosts?.length ?? 0) > 0 ||
    normalizeBasePath(options.basePath) !== '' ||
    options.trustProxy === true
  );
}

/**
 * Serves the bridge on `host:port` (`port` 0 picks a free one). A bridge that reaches beyond
 * loopback ({@link reachesBeyondLoopback}) refuses to start without a login `token`
 * ({@link BridgeConfigError}).
 */
export async function startBridgeServer(
  options: BridgeAppOptions & { host?: string; port?: number },
): Promise<BridgeServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = LOOPBACK_BINDS.includes(host);
  if (reachesBeyondLoopback(options) && !options.token) {
    throw new BridgeConfigError(
      loopback
        ? 'a bridge behind a proxy (--allow-host, --base-path, --trust-proxy) needs a login token'
        : `a bridge bound to ${host} (beyond loopback) needs a login token`,
    );
  }
  const allowedHosts =
    options.allowedHosts ??
    (loopback ? ['127.0.0.1', 'localhost', '[::1]'] : ['127.0.0.1', 'localhost', '[::1]', host]);
  const app = createBridgeApp({
    peerUid: (socket) => findConnectionUid(socket.localPort, socket.remotePort),
    ...options,
    allowedHosts,
    anyIpHost: options.anyIpHost ?? !loopback,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const reachable = WILDCARD_BINDS[host] ?? host;
  const shown = reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  const url = `http://${shown}:${port}/`;
  const base = normalizeBasePath(options.basePath);
  const login = options.token ? `?token=${encodeURIComponent(options.token)}` : '';
  return {
    url,
    loginUrl: `http://${shown}:${port}${base}/${login}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
