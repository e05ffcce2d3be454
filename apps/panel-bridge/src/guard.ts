import { isIP } from 'node:net';
import {
  CORS_ALLOWED_METHODS as ALLOWED_METHODS,
  CORS_ALLOWED_HEADERS as ALLOWED_REQUEST_HEADERS,
  hostnameOf,
} from '@comfyvisor/supervisor';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export { comfyuiOrigins, LOOPBACK_HOSTS } from '@comfyvisor/supervisor';

export interface GuardOptions {
  /** Host names the server answers to (DNS rebinding protection), lower case, without port. */
  hosts: ReadonlySet<string>;
  /**
   * Names given with `--allow-host` (a proxy's public names): a page from any of them (http or
   * https, any port) may call the bridge.
   */
  publicHosts?: ReadonlySet<string> | undefined;
  /** Answer any IP address as Host (a bridge bound beyond loopback: no name, no DNS rebinding). */
  anyIpHost?: boolean | undefined;
  /** Browser origins allowed besides the server's own, asked per request (ComfyUI's port may change). */
  origins: () => Promise<ReadonlySet<string>>;
}

function isIpHost(host: string): boolean {
  return isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0;
}

/** An origin whose host is one of the proxy's public names (the scheme and port do not matter). */
function isPublicOrigin(origin: string, publicHosts: ReadonlySet<string> | undefined): boolean {
  if (!publicHosts || publicHosts.size === 0) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'https:' || url.protocol === 'http:') && publicHosts.has(url.hostname);
  } catch {
    return false;
  }
}

/** `--allow-host` names as the guard compares them: lower case, a port (`NAME:8443`) left off. */
export function hostNames(names: readonly string[]): string[] {
  return names.map((name) => hostnameOf(name.trim())?.toLowerCase() ?? '').filter((name) => name !== '');
}

/**
 * Host check, Origin check and CORS: a request whose Host is not ours is refused (403); a browser
 * request from a page that is neither ours nor ComfyUI's is refused (403); ComfyUI's page gets
 * CORS headers, and its preflights (`OPTIONS` with `Content-Type` and `Comfy-User`) a 204.
 */
export function guard(options: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const rawHost = c.req.header('host');
    const host = hostnameOf(rawHost)?.toLowerCase() ?? null;
    if (host === null || !(options.hosts.has(host) || (options.anyIpHost && isIpHost(host)))) {
      return c.json(
        { error: 'host_not_allowed', message: `Host ${JSON.stringify(rawHost ?? '')} is not served here` },
        403,
      );
    }
    const origin = c.req.header('origin');
    const sameOrigin = origin === `http://${rawHost}` || origin === `https://${rawHost}`;
    if (origin !== undefined && !sameOrigin && !isPublicOrigin(origin, options.publicHosts)) {
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
