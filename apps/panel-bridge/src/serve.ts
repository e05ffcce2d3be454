import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type BridgeAppOptions, createBridgeApp } from './app.ts';

export interface BridgeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the bridge on `host:port` (`port` 0 picks a free one). */
export async function startBridgeServer(
  options: BridgeAppOptions & { host?: string; port?: number },
): Promise<BridgeServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host);
  const allowedHosts =
    options.allowedHosts ??
    (loopback ? ['127.0.0.1', 'localhost', '[::1]'] : ['127.0.0.1', 'localhost', '[::1]', host]);
  const app = createBridgeApp({ ...options, allowedHosts });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
