import { randomBytes } from 'node:crypto';

/** Random hex of `bytes` bytes (injectable for tests). */
export type RandomHex = (bytes: number) => string;
export const randomHex: RandomHex = (bytes) => randomBytes(bytes).toString('hex');

/** `inst_` + 8 lowercase hex, as the reference's `secrets.token_hex(4)`. */
export function newInstanceId(random: RandomHex = randomHex): string {
  return `inst_${random(4)}`;
}

/**
 * `deploy-<base>-<YYYYMMDD>-<4 hex>` (UTC date): base is the name lower-cased, each run of
 * characters outside [a-z0-9] turned into one `-`, trimmed of `-`, cut to 32, `unnamed` if empty.
 */
export function environmentNameFor(
  name: string | null | undefined,
  now: Date = new Date(),
  random: RandomHex = randomHex,
): string {
  const base =
    (name ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'unnamed';
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `deploy-${base}-${date}-${random(2)}`;
}

/** ISO 8601 UTC with microseconds and `+00:00`, like Python's `datetime.now(timezone.utc).isoformat()`. */
export function pythonUtcIso(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 23)}000+00:00`;
}

/** The API key format of `worker setup` / `regenerate-key`: `cg_wk_` + 32 hex. */
export function newApiKey(random: RandomHex = randomHex): string {
  return `cg_wk_${random(16)}`;
}
