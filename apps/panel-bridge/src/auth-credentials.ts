import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The login cookie's name. */
export const SESSION_COOKIE = 'comfyvisor_bridge';
const SESSION_LABEL = 'comfyvisor-bridge session v1';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether `given` is `expected`, in time that does not depend on where they differ (hashes compared). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The cookie's value: an HMAC of a fixed label keyed by the token. It does not reveal the token,
 * stays valid across restarts of the bridge, and dies when the token changes.
 */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update(SESSION_LABEL).digest('base64url');
}

/** `Authorization: Bearer <token>` → the token, else null. */
export function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** The Set-Cookie value that logs a browser in (or out, with `value` ''). */
export function sessionCookie(value: string, options: { path: string; secure: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${value}`,
    `Path=${options.path}`,
    'HttpOnly',
    'SameSite=Strict',
    value === '' ? 'Max-Age=0' : `Max-Age=${30 * 24 * 3600}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
