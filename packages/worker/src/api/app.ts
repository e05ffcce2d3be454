import { Hono } from 'hono';
import type { GpuInfo } from '../system-info.ts';
import type { Worker } from '../worker.ts';
import type { KeyGuard } from './auth.ts';
import { type ApiEnv, useGuards } from './guards.ts';
import { instanceRoutes } from './instance-routes.ts';
import { statusPage } from './status-page.ts';
import { hostOf } from './views.ts';

export { BODY_LIMIT_BYTES } from './guards.ts';

export interface ApiOptions {
  worker: Worker;
  guard: KeyGuard;
  /** What `worker_version` says. */
  version: string;
  gpus: () => Promise<GpuInfo>;
  docker: () => Promise<{ available: boolean; version: string | null }>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

function systemInfo(worker: Worker, version: string) {
  const all = worker.list();
  const count = (s: string) => all.filter((i) => i.instance.status === s).length;
  const ports = worker.ports();
  return {
    worker_version: version,
    workspace_path: worker.workspace,
    default_mode: worker.defaultMode,
    instances: { total: all.length, running: count('running'), stopped: count('stopped') },
    ports: {
      range_start: ports.start,
      range_end: ports.end,
      allocated: ports.allocated,
      available: ports.available,
    },
  };
}

/** The worker API of ComfyGit's deploy worker (worker-contract.md), every route behind the key. */
export function createApi(options: ApiOptions): Hono<ApiEnv> {
  const { worker, version } = options;
  const now = options.now ?? Date.now;
  const app = new Hono<ApiEnv>();
  useGuards(app, options.guard, options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))));

  app.get('/', (c) => c.html(statusPage(worker, hostOf(c.req.header('host')), now())));
  app.get('/api/v1/health', async (c) => {
    const info = systemInfo(worker, version);
    return c.json({
      status: 'ok',
      worker_version: version,
      gpu_name: (await options.gpus()).name,
      default_mode: worker.defaultMode,
      instance_count: info.instances.total,
      running_count: info.instances.running,
    });
  });
  app.get('/api/v1/system/info', (c) => c.json(systemInfo(worker, version)));
  app.get('/api/v1/system', async (c) => {
    const [gpu, docker] = await Promise.all([options.gpus(), options.docker()]);
    return c.json({ ...systemInfo(worker, version), gpu, docker: { ...docker, supported: false } });
  });
  instanceRoutes(app, worker, now);
  return app;
}
