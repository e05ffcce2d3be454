import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { WorkerError } from '../errors.ts';
import type { GpuInfo } from '../system-info.ts';
import type { Worker } from '../worker.ts';
import type { KeyGuard } from './auth.ts';
import { statusPage } from './status-page.ts';
import { parseCreateBody, parseKeepEnv, parseLines } from './validate.ts';
import { created, detail, hostOf, listItem } from './views.ts';

export const BODY_LIMIT_BYTES = 64 * 1024;

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

type Env = { Bindings: HttpBindings };
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
const tooLarge = (c: Context) =>
  c.json({ error: `request body too large (limit ${BODY_LIMIT_BYTES} bytes)` }, 413);

function drain(incoming: HttpBindings['incoming'] | undefined): Promise<void> {
  if (!incoming || incoming.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, 5_000);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    incoming.on('end', done).on('error', done).on('close', done).resume();
  });
}
const clientOf = (c: Context<Env>) => c.env?.incoming?.socket?.remoteAddress ?? 'unknown';

/** The worker API of ComfyGit's deploy worker (worker-contract.md), every route behind the key. */
export function createApi(options: ApiOptions): Hono<Env> {
  const { worker } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const app = new Hono<Env>();
  const host = (c: Context<Env>) => hostOf(c.req.header('host'));

  app.use('*', async (c, next) => {
    const auth = options.guard.check(c.req.header('authorization'), clientOf(c));
    if (!auth.ok) {
      if (auth.delayMs > 0) await sleep(auth.delayMs);
      return c.json({ error: auth.error }, 401);
    }
    await next();
  });
  app.use('*', async (c, next) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (!(length > BODY_LIMIT_BYTES)) return next();
    // read (and drop) a body of a sane size first, so the client sees the 413 instead of a reset
    if (length <= DRAIN_MAX_BYTES) await drain(c.env?.incoming);
    else c.header('connection', 'close');
    return tooLarge(c);
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: tooLarge,
    }),
  );
  app.onError((error, c) => {
    if (error instanceof WorkerError) return c.json({ error: error.message }, error.status as 400);
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: 'Not Found' }, 404));

  const counts = () => {
    const all = worker.list();
    const count = (s: string) => all.filter((i) => i.instance.status === s).length;
    return { total: all.length, running: count('running'), stopped: count('stopped') };
  };
  const systemInfo = () => {
    const ports = worker.ports();
    return {
      worker_version: options.version,
      workspace_path: worker.workspace,
      default_mode: worker.defaultMode,
      instances: counts(),
      ports: {
        range_start: ports.start,
        range_end: ports.end,
        allocated: ports.allocated,
        available: ports.available,
      },
    };
  };

  app.get('/', async (c) => c.html(statusPage(worker, host(c), now())));
  app.get('/api/v1/health', async (c) => {
    const { total, running } = counts();
    const gpu = await options.gpus();
    return c.json({
      status: 'ok',
      worker_version: options.version,
      gpu_name: gpu.name,
      default_mode: worker.defaultMode,
      instance_count: total,
      running_count: running,
    });
  });
  app.get('/api/v1/system/info', (c) => c.json(systemInfo()));
  app.get('/api/v1/system', async (c) => {
    const [gpu, docker] = await Promise.all([options.gpus(), options.docker()]);
    return c.json({ ...systemInfo(), gpu, docker: { ...docker, supported: false } });
  });
  app.get('/api/v1/instances', (c) => {
    const ports = worker.ports();
    return c.json({
      instances: worker.list().map((i) => listItem(i, host(c), now())),
      port_range: { start: ports.start, end: ports.end },
      ports_available: ports.available,
    });
  });
  app.post('/api/v1/instances', async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json({ error: 'Invalid JSON' }, 400);
    }
    const input = parseCreateBody(body);
    if (!input.ok) return c.json({ error: input.error }, 400);
    return c.json(created(await worker.create(input.value)), 201);
  });
  const found = (id: string) => {
    const info = worker.get(id);
    if (!info) throw new WorkerError('Instance not found', 'NOT_FOUND');
    return info;
  };
  app.get('/api/v1/instances/:id', (c) => c.json(detail(found(c.req.param('id')), host(c), now())));
  app.delete('/api/v1/instances/:id', async (c) => {
    const keepEnv = parseKeepEnv(c.req.query('keep_env'));
    const info = await worker.remove(c.req.param('id'), { keepEnv });
    const i = info.instance;
    const tail = keepEnv ? '' : ` Environment '${i.environmentName}' deleted.`;
    return c.json({
      id: i.id,
      status: 'terminated',
      message: `Instance terminated. Port ${i.assignedPort} released.${tail}`,
    });
  });
  app.post('/api/v1/instances/:id/stop', async (c) => {
    const i = (await worker.stop(c.req.param('id'))).instance;
    return c.json({
      id: i.id,
      status: i.status,
      assigned_port: i.assignedPort,
      message: `Instance stopped. Port ${i.assignedPort} remains reserved.`,
    });
  });
  app.post('/api/v1/instances/:id/start', async (c) => {
    const info = await worker.start(c.req.param('id'));
    const i = info.instance;
    if (i.status === 'error')
      return c.json({ error: `Failed to start instance: ${info.runtime.lastError ?? 'unknown'}` }, 500);
    const url = i.status === 'running' ? `http://${host(c)}:${i.assignedPort}` : null;
    const message =
      i.status === 'running' ? `Instance started on port ${i.assignedPort}.` : `Instance is ${i.status}.`;
    return c.json({ id: i.id, status: i.status, assigned_port: i.assignedPort, comfyui_url: url, message });
  });
  app.get('/api/v1/instances/:id/logs', async (c) => {
    const lines = parseLines(c.req.query('lines'));
    if (!lines.ok) return c.json({ error: lines.error }, 400);
    found(c.req.param('id'));
    const log = worker.log(c.req.param('id'));
    const text = log ? await log.tail(lines.value) : [];
    return c.json({ logs: text.map((message) => ({ level: 'INFO', message })) });
  });
  return app;
}
