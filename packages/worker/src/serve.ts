import type { Server } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import { createApi } from './api/app.ts';
import { createKeyGuard, type FailureDelay } from './api/auth.ts';
import { createLogsSocket } from './api/logs-socket.ts';
import { cached, queryDocker, queryGpus, type RunCommand, runCommand } from './system-info.ts';
import type { Worker } from './worker.ts';

export interface ServeOptions {
  worker: Worker;
  apiKey: string;
  /** @default '0.0.0.0' */
  host?: string;
  /** 0 for one from the OS. @default 9090 */
  port?: number;
  /** What `worker_version` says. */
  version: string;
  failureDelay?: FailureDelay;
  /** How `nvidia-smi` and `docker` are run (tests inject). */
  runCommand?: RunCommand;
}

export interface WorkerServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the worker API (HTTP and the logs WebSocket) on host:port. */
export async function serveWorker(options: ServeOptions): Promise<WorkerServer> {
  const guard = createKeyGuard(options.apiKey, options.failureDelay);
  const run = options.runCommand ?? runCommand;
  const app = createApi({
    worker: options.worker,
    guard,
    version: options.version,
    gpus: cached(() => queryGpus(run), 60_000),
    docker: cached(() => queryDocker(run), 60_000),
  });
  const logs = createLogsSocket(options.worker, guard);
  const host = options.host ?? '0.0.0.0';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 9090 }, () => resolve(s));
    s.once('error', reject);
  });
  const http = server as Server;
  http.on('upgrade', logs.onUpgrade);
  http.keepAliveTimeout = 5_000;
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        logs.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
