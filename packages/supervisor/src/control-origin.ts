import type { IncomingMessage } from 'node:http';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  comfyuiOrigins,
  hostnameOf,
  LOOPBACK_HOSTS,
} from './browser-rules.ts';

/** The browser origins allowed to call the API: ComfyUI's own page. */
export function allowedOrigins(comfyuiPort: number): Set<string> {
  return new Set(comfyuiOrigins(comfyuiPort));
}

/** What the Host, Origin and CORS rules decide for one request. */
export type OriginVerdict =
  /** Refused: answer this and nothing else. */
  | { kind: 'refuse'; status: 403; error: string }
  /** A CORS preflight that passed: answer 200 with the headers added. */
  | { kind: 'preflight' }
  /** Go on to the route (CORS headers added for a browser caller). */
  | { kind: 'pass' };

/**
 * Host must be a loopback name (DNS rebinding), a browser's Origin only ComfyUI's own; a caller
 * that passes gets its CORS headers added to `headers` (and, for a preflight, what it may send).
 */
export function checkBrowserRules(
  req: IncomingMessage,
  origins: ReadonlySet<string>,
  headers: Record<string, string>,
): OriginVerdict {
  const host = hostnameOf(req.headers.host);
  if (host === null || !LOOPBACK_HOSTS.has(host))
    return { kind: 'refuse', status: 403, error: 'host not allowed' };
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.has(origin))
    return { kind: 'refuse', status: 403, error: 'Origin not allowed' };
  if (origin !== undefined) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-credentials'] = 'true';
    headers.vary = 'Origin';
  }
  if (req.method !== 'OPTIONS') return { kind: 'pass' };
  if (origin === undefined) return { kind: 'refuse', status: 403, error: 'Origin required' };
  headers['access-control-allow-methods'] = CORS_ALLOWED_METHODS;
  headers['access-control-allow-headers'] = CORS_ALLOWED_HEADERS;
  headers['access-control-max-age'] = '86400';
  return { kind: 'preflight' };
}
