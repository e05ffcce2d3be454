import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { WorkerError } from '../errors.ts';
import type { KeyGuard } from './auth.ts';

export const BODY_LIMIT_BYTES = 64 * 1024;
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;

export type ApiEnv = { Bindings: HttpBindings };

const tooLarge = (c: Context) =>
  c.json({ error: `request body too large (limit ${BODY_LIMIT_BYTES} bytes)` }, 413);
const clientOf = (c: Context<ApiEnv>) => c.env?.incoming?.socket?.remoteAddress ?? 'unknown';

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

/**
 * What stands before every route: the key (401, slowed down after repeated failures), the body
 * cap (413, JSON), JSON errors for WorkerError (its status) and anything else (500), and 404.
 */
export function useGuards(app: Hono<ApiEnv>, guard: KeyGuard, sleep: (ms: number) => Promise<void>): void {
  app.use('*', async (c, next) => {
    const auth = guard.check(c.req.header('authorization'), clientOf(c));
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
  app.use('*', bodyLimit({ maxSize: BODY_LIMIT_BYTES, onError: tooLarge })); // chunked bodies
  app.onError((error, c) => {
    if (error instanceof WorkerError) return c.json({ error: error.message }, error.status as 400);
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: 'Not Found' }, 404));
}
