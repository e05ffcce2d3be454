import { isIP } from 'node:net';
import type { Context } from 'hono';
import { getPath } from 'hono/utils/url';
import { BridgeConfigError } from './errors.ts';
import type { ProxyOptions } from './proxy-options.ts';

export type { ProxyOptions };

/** Where a request came from and under which path its page lives. */
export interface RequestPlace {
  /** The path prefix of the page (`/cv`), '' at the root. */
  prefix: string;
  /** The client, for the failure limiter: the proxy's `X-Forwarded-For` when trusted, else the peer. */
  client: string;
  /** Whether the browser talks https (the proxy's `X-Forwarded-Proto`, or the Origin). */
  https: boolean;
}

const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;

/** `/cv`, `cv/`, `/a/b/` → `/a/b`; '' for `/`; null when it is no plain path. */
function cleanPrefix(text: string): string | null {
  const segments = text.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || !SEGMENT.test(s))) return null;
  return segments.length === 0 ? '' : `/${segments.join('/')}`;
}

/** `--base-path` checked: a path of plain segments, no `..`. Throws one line when it is not. */
export function normalizeBasePath(text: string | undefined): string {
  if (text === undefined) return '';
  const clean = cleanPrefix(text);
  if (clean === null || text.length > 200) {
    throw new BridgeConfigError(
      `--base-path ${JSON.stringify(text)} is not a plain path such as /comfyvisor`,
    );
  }
  return clean;
}

/** Hono's `getPath` with the base path taken off (`/cv/v2/x` → `/v2/x`), for proxies that keep it. */
export function pathWithoutBase(basePath: string): (request: Request) => string {
  return (request) => {
    const path = getPath(request);
    if (basePath === '' || !path.startsWith(`${basePath}/`)) return path;
    return path.slice(basePath.length);
  };
}

/** The socket's peer address (the node server's), or null in-process (`app.request`). */
export function peerAddress(c: Context): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

function isLoopbackAddress(address: string | null): boolean {
  if (address === null) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

export function requestPlace(c: Context, options: { basePath: string; trustProxy: boolean }): RequestPlace {
  const peer = peerAddress(c);
  const trusted = options.trustProxy && isLoopbackAddress(peer);
  let prefix = options.basePath;
  let client = peer ?? 'in-process';
  let https = new URL(c.req.url).protocol === 'https:' || (c.req.header('origin') ?? '').startsWith('https:');
  if (trusted) {
    const forwardedPrefix = c.req.header('x-forwarded-prefix');
    if (prefix === '' && forwardedPrefix !== undefined) prefix = cleanPrefix(forwardedPrefix) ?? '';
    const forwardedFor = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwardedFor && isIP(forwardedFor)) client = forwardedFor;
    https ||= c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  }
  return { prefix, client, https };
}
