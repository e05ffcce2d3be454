import { createHash, timingSafeEqual } from 'node:crypto';

/** Policy of the slowdown after failed keys: delay of the n-th consecutive failure. */
export type FailureDelay = (failures: number) => number;

/** 0 for the first 3 failures, then 250 ms doubling up to 5 s. */
export const defaultFailureDelay: FailureDelay = (failures) =>
  failures <= 3 ? 0 : Math.min(5_000, 250 * 2 ** (failures - 4));

export type AuthResult =
  | { ok: true }
  | { ok: false; error: 'Missing authorization' | 'Invalid API key'; delayMs: number };

export interface KeyGuard {
  /** Checks an `Authorization` header from `client` (its address). */
  check(header: string | null | undefined, client: string): AuthResult;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The Bearer key check: the key is compared in constant time (as SHA-256 digests, so its length
 * leaks nothing either), and each client's consecutive failures are answered ever more slowly.
 * A success resets that client's count. At most `maxClients` addresses are tracked.
 */
export function createKeyGuard(
  apiKey: string,
  delay: FailureDelay = defaultFailureDelay,
  maxClients = 10_000,
): KeyGuard {
  const expected = digest(apiKey);
  const failures = new Map<string, number>();
  const fail = (client: string, error: 'Missing authorization' | 'Invalid API key'): AuthResult => {
    const count = (failures.get(client) ?? 0) + 1;
    failures.delete(client);
    if (failures.size >= maxClients) {
      const oldest = failures.keys().next().value;
      if (oldest !== undefined) failures.delete(oldest);
    }
    failures.set(client, count);
    return { ok: false, error, delayMs: delay(count) };
  };
  return {
    check(header, client) {
      if (!header?.startsWith('Bearer ')) return fail(client, 'Missing authorization');
      if (!timingSafeEqual(digest(header.slice(7)), expected)) return fail(client, 'Invalid API key');
      failures.delete(client);
      return { ok: true };
    },
  };
}
