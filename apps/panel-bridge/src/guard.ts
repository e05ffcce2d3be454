import {
  CORS_ALLOWED_METHODS as ALLOWED_METHODS,
  CORS_ALLOWED_HEADERS as ALLOWED_REQUEST_HEADERS,
  hostnameOf,
} from '@comfyvisor/supervisor';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export { comfyuiOrigins, LOOPBACK_HOSTS } from '@comfyvisor/supervisor';

export interface GuardOptions {
  /** Host names the server answers to (DNS rebinding protection). */
  hosts: ReadonlySet<string>;
  /** Browser origins allowed besides the server's own, asked per request (ComfyUI's port may change). */
  origins: () => Promise<ReadonlySet<string>>;
}

/**
 * Host check, Origin check and CORS: a request whose Host is not ours is refused (403); a browser
 * request from a page that is neither ours nor ComfyUI's is refused (403); ComfyUI's page gets
 * CORS headers, and its preflights (`OPTIONS` with `Content-Type` and `Comfy-User`) a 204.
 */
export function guard(options: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const rawHost = c.req.header('host');
    const host = hostnameOf(rawHost);
    if (host === null || !options.hosts.has(host)) {
      return c.json(
        { error: 'host_not_allowed', message: `Host ${JSON.stringify(rawHost ?? '')} is not served here` },
        403,
      );
    }
    const origin = c.req.header('origin');
    const sameOrigin = origin === `http://${rawHost}`;
    if (origin !== undefined && !sameOrigin) {
      if (!(await options.origins()).has(origin)) {
        return c.json({ error: 'origin_not_allowed', message: `Origin ${origin} is not allowed` }, 403);
      }
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
    if (c.req.method === 'OPTIONS') {
      if (origin === undefined) {
        return c.json({ error: 'origin_required', message: 'A CORS preflight needs an Origin header' }, 403);
      }
      c.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
      c.header('Access-Control-Allow-Headers', ALLOWED_REQUEST_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    await next();
  };
}

/** Request bodies larger than `maxBytes` are refused with 413 and a JSON error. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json({ error: 'payload_too_large', message: `Request bodies are limited to ${maxBytes} bytes` }, 413),
  });
}
