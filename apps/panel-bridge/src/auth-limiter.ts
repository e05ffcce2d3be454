/**
 * Slows down guessing: after `maxFailures` wrong tokens from one client within `windowMs`, that
 * client is refused (429) for `blockMs`, doubled for each further failure (at most `maxBlockMs`);
 * a right token clears its count. Bounded: at most `maxClients` are remembered (the oldest go).
 */
export interface FailureLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  blockMs?: number;
  maxBlockMs?: number;
  maxClients?: number;
  now?: () => number;
}

export interface FailureLimiter {
  /** How long this client must wait before it may try again (0: it may try now). */
  waitMs(client: string): number;
  /** A wrong token from this client. */
  fail(client: string): void;
  /** A right token from this client. */
  succeed(client: string): void;
}

interface Record {
  failures: number[];
  blockedUntil: number;
}

export function createFailureLimiter(options: FailureLimiterOptions = {}): FailureLimiter {
  const maxFailures = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const blockMs = options.blockMs ?? 10_000;
  const maxBlockMs = options.maxBlockMs ?? 15 * 60_000;
  const maxClients = options.maxClients ?? 1024;
  const now = options.now ?? Date.now;
  const clients = new Map<string, Record>();

  return {
    waitMs(client) {
      const record = clients.get(client);
      return record ? Math.max(0, record.blockedUntil - now()) : 0;
    },
    fail(client) {
      const at = now();
      const record = clients.get(client) ?? { failures: [], blockedUntil: 0 };
      clients.delete(client); // re-inserted last: the Map's order is the age
      record.failures = [...record.failures.filter((t) => at - t < windowMs), at].slice(-64);
      const over = record.failures.length - maxFailures;
      if (over >= 0) record.blockedUntil = at + Math.min(maxBlockMs, blockMs * 2 ** Math.min(over, 20));
      clients.set(client, record);
      while (clients.size > maxClients) clients.delete(clients.keys().next().value as string);
    },
    succeed(client) {
      clients.delete(client);
    },
  };
}
