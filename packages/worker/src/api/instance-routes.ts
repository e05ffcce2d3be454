import type { Context, Hono } from 'hono';
import { WorkerError } from '../errors.ts';
import type { Worker } from '../worker.ts';
import type { ApiEnv } from './guards.ts';
import { parseCreateBody, parseFlag, parseLines } from './validate.ts';
import { created, detail, hostOf, listItem } from './views.ts';

const host = (c: Context<ApiEnv>) => hostOf(c.req.header('host'));

function found(worker: Worker, id: string) {
  const info = worker.get(id);
  if (!info) throw new WorkerError('Instance not found', 'NOT_FOUND');
  return info;
}

/** GET|POST /instances, GET|DELETE /instances/{id}, start, stop, logs (the contract's bodies). */
export function instanceRoutes(app: Hono<ApiEnv>, worker: Worker, now: () => number): void {
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
  app.get('/api/v1/instances/:id', (c) => c.json(detail(found(worker, c.req.param('id')), host(c), now())));
  app.delete('/api/v1/instances/:id', async (c) => {
    const keepEnv = parseFlag(c.req.query('keep_env'));
    const force = parseFlag(c.req.query('force'));
    const i = (await worker.remove(c.req.param('id'), { keepEnv, force })).instance;
    const tail = keepEnv ? '' : ` Environment '${i.environmentName}' deleted.`;
    const message = `Instance terminated. Port ${i.assignedPort} released.${tail}`;
    return c.json({ id: i.id, status: 'terminated', message });
  });
  app.post('/api/v1/instances/:id/stop', async (c) => {
    const i = (await worker.stop(c.req.param('id'), { force: parseFlag(c.req.query('force')) })).instance;
    const message = `Instance stopped. Port ${i.assignedPort} remains reserved.`;
    return c.json({ id: i.id, status: i.status, assigned_port: i.assignedPort, message });
  });
  app.post('/api/v1/instances/:id/start', async (c) => {
    const info = await worker.start(c.req.param('id'));
    const i = info.instance;
    if (i.status === 'error') {
      return c.json({ error: `Failed to start instance: ${info.runtime.lastError ?? 'unknown'}` }, 500);
    }
    const running = i.status === 'running';
    return c.json({
      id: i.id,
      status: i.status,
      assigned_port: i.assignedPort,
      comfyui_url: running ? `http://${host(c)}:${i.assignedPort}` : null,
      message: running ? `Instance started on port ${i.assignedPort}.` : `Instance is ${i.status}.`,
    });
  });
  app.get('/api/v1/instances/:id/logs', async (c) => {
    const lines = parseLines(c.req.query('lines'));
    if (!lines.ok) return c.json({ error: lines.error }, 400);
    found(worker, c.req.param('id'));
    const text = (await worker.log(c.req.param('id'))?.tail(lines.value)) ?? [];
    return c.json({ logs: text.map((message) => ({ level: 'INFO', message })) });
  });
}
