import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { bearerOf, SESSION_COOKIE, sameSecret, sessionCookie, sessionValue } from './auth-credentials.ts';
import { createFailureLimiter, type FailureLimiter } from './auth-limiter.ts';
import { loginHtml } from './login-page.ts';
import type { RequestPlace } from './proxy-place.ts';

export interface AuthOptions {
  token: string;
  /** Where the request came from (the limiter's key, the cookie's path, https). */
  place: (c: Context) => RequestPlace;
  limiter?: FailureLimiter | undefined;
}

type Presented = { kind: 'none' } | { kind: 'right'; via: 'bearer' | 'cookie' | 'query' } | { kind: 'wrong' };

/** The page itself: a browser without its login gets the login page there, JSON elsewhere. */
const isPage = (c: Context) => c.req.path === '/' && (c.req.method === 'GET' || c.req.method === 'HEAD');

/** The credential a request carries, checked: a bearer token, the cookie, or `?token=` on the page. */
function presented(c: Context, token: string, session: string): Presented {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const bearer = bearerOf(header);
    return bearer !== null && sameSecret(bearer, token)
      ? { kind: 'right', via: 'bearer' }
      : { kind: 'wrong' };
  }
  const query = isPage(c) ? c.req.query('token') : undefined;
  if (query !== undefined)
    return sameSecret(query, token) ? { kind: 'right', via: 'query' } : { kind: 'wrong' };
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie !== undefined) {
    return sameSecret(cookie, session) ? { kind: 'right', via: 'cookie' } : { kind: 'wrong' };
  }
  return { kind: 'none' };
}

function refuse(c: Context, status: 401 | 429, message: string, waitMs = 0): Response {
  if (status === 429) c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
  c.header('Cache-Control', 'no-store');
  if (isPage(c)) return c.html(loginHtml({ message: status === 429 ? message : undefined }), status);
  return c.json({ error: status === 401 ? 'unauthorized' : 'too_many_attempts', message }, status);
}

const tooMany = (waitMs: number) => `Too many wrong tokens: try again in ${Math.ceil(waitMs / 1000)} s`;

/** `POST /login` (the login page's form): the right token sets the cookie and goes back to the page. */
async function login(c: Context, options: AuthOptions, limiter: FailureLimiter, session: string) {
  const place = options.place(c);
  const wait = limiter.waitMs(place.client);
  if (wait > 0)
    return c.html(loginHtml({ message: tooMany(wait) }), 429, {
      'Retry-After': String(Math.ceil(wait / 1000)),
    });
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const given = typeof form.token === 'string' ? form.token.trim() : '';
  if (!sameSecret(given, options.token)) {
    limiter.fail(place.client);
    return c.html(loginHtml({ message: 'That token is not the right one.' }), 401);
  }
  limiter.succeed(place.client);
  c.header('Set-Cookie', sessionCookie(session, { path: `${place.prefix}/`, secure: place.https }));
  c.header('Cache-Control', 'no-store');
  // relative: from <prefix>/login back to <prefix>/, wherever the proxy put the bridge
  return c.redirect('./', 303);
}

/**
 * Login for a bridge reachable from beyond loopback: every request needs the token, as
 * `Authorization: Bearer`, as the HttpOnly SameSite=Strict cookie a browser gets for it (from the
 * login form, or from `?token=` on the page's address), and nothing is acted on without it: 401
 * (JSON `{error}`, the login page for the page itself), 429 after repeated wrong tokens. Tokens
 * are compared in constant time, and never logged.
 */
export function authGuard(options: AuthOptions): MiddlewareHandler {
  const limiter = options.limiter ?? createFailureLimiter();
  const session = sessionValue(options.token);
  return async (c, next) => {
    if (c.req.path === '/login') {
      if (c.req.method === 'POST') return login(c, options, limiter, session);
      if (c.req.method === 'GET') return c.html(loginHtml(), 200, { 'Cache-Control': 'no-store' });
    }
    const place = options.place(c);
    const seen = presented(c, options.token, session);
    if (seen.kind === 'none')
      return refuse(c, 401, 'Log in: send Authorization: Bearer <token>, or open the login link');
    const wait = limiter.waitMs(place.client);
    if (wait > 0) return refuse(c, 429, tooMany(wait), wait);
    if (seen.kind === 'wrong') {
      limiter.fail(place.client);
      return refuse(c, 401, 'The token is not the right one');
    }
    limiter.succeed(place.client);
    if (seen.via === 'query') {
      // A login link: the browser keeps a cookie instead, and the page takes the token out of its address.
      c.header('Set-Cookie', sessionCookie(session, { path: `${place.prefix}/`, secure: place.https }));
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-store');
    }
    await next();
  };
}
