import * as v from 'valibot';
import { describeValue } from './bounded-text.ts';

/**
 * The config keys that hold several items (regexes, daily times, hooks, environment variables,
 * environments). The key itself must have the right shape (a list, an object), else it falls back to
 * its default like any other key; inside it, each bad item is dropped with one warning and the good
 * ones are kept, so one typo does not switch a whole watchdog off.
 */

/** A hook: `{"on": [event types or "*"], "run": [argv...]}` or `{"on": [...], "url": "http(s)://..."}`. */
export type HookSpec = { on: string[]; run: string[] } | { on: string[]; url: string };

/** One entry of the top-level `environments` section, in TypeScript names. */
export interface EnvironmentConfig {
  /** Added after `comfyui.extra_args` for this environment. @default [] */
  extraArgs: string[];
  /** Added over `comfyui.env` for this environment. @default {} */
  env: Record<string, string>;
}

/** Drops one item: the warning names where it was, what it was and why. */
export type DropItem = (where: string, value: unknown, why: string) => void;

const MAX_ITEMS = 100;
const MAX_TEXT = 1000;
const MAX_ENV_VALUE = 32 * 1024;

/** Seconds since local midnight for `"HH:MM"` or `"HH:MM:SS"` (00:00 to 23:59:59), else null. */
export function parseDailyTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? 0);
}

/** Why `pattern` cannot be a fatal-output pattern, or null when it compiles. */
function regexRefusal(pattern: unknown): string | null {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'not a non-empty string';
  if (pattern.length > MAX_TEXT) return `longer than ${MAX_TEXT} characters`;
  try {
    new RegExp(pattern);
    return null;
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message.slice(0, 80)})`;
  }
}

const text = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TEXT));
const argv = v.pipe(
  v.array(v.pipe(v.string(), v.maxLength(MAX_TEXT))),
  v.minLength(1),
  v.maxLength(MAX_ITEMS),
);
const httpUrl = v.pipe(
  text,
  v.check((url) => {
    try {
      const { protocol } = new URL(url);
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  }, 'an http:// or https:// URL'),
);
const hookSchema = v.pipe(
  v.looseObject({
    on: v.pipe(v.array(text), v.minLength(1), v.maxLength(MAX_ITEMS)),
    run: v.optional(argv),
    url: v.optional(httpUrl),
  }),
  v.check((hook) => (hook.run === undefined) !== (hook.url === undefined), 'exactly one of "run" and "url"'),
);

function hookRefusal(value: unknown): string | null {
  const result = v.safeParse(hookSchema, value);
  if (result.success) return null;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  return `expected {"on": [event types], "run": [argv]} or {"on": [...], "url": "http://..."}: ${path ? `${path}: ` : ''}${issue.message}`.slice(
    0,
    160,
  );
}

function toHook(value: unknown): HookSpec {
  const hook = value as { on: string[]; run?: string[]; url?: string };
  return hook.run ? { on: [...hook.on], run: [...hook.run] } : { on: [...hook.on], url: hook.url as string };
}

/** The good items of a list key; the rest dropped, one warning each. */
function keepItems<T>(
  items: unknown[],
  where: string,
  refusalOf: (item: unknown) => string | null,
  convert: (item: unknown) => T,
  drop: DropItem,
): T[] {
  const kept: T[] = [];
  items.forEach((item, index) => {
    const why = index >= MAX_ITEMS ? `more than ${MAX_ITEMS} items` : refusalOf(item);
    if (why === null) kept.push(convert(item));
    else drop(`${where}[${index}]`, item, why);
  });
  return kept;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Variables for ComfyUI: names without `=` or NUL, string values without NUL; the rest dropped. */
export function keepEnv(
  value: Record<string, unknown>,
  where: string,
  drop: DropItem,
): Record<string, string> {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [name, item] of Object.entries(value)) {
    const why =
      ++count > MAX_ITEMS * 10
        ? `more than ${MAX_ITEMS * 10} variables`
        : name.length === 0 || name.length > MAX_TEXT || /[=\0]/.test(name)
          ? 'not a variable name'
          : typeof item !== 'string' || item.length > MAX_ENV_VALUE || item.includes('\0')
            ? 'not a string (numbers must be quoted)'
            : null;
    if (why === null) kept[name] = item as string;
    else drop(`${where}.${describeValue(name, 60)}`, item, why);
  }
  return kept;
}

/** The cleaned value of a key whose shape was accepted (see `config-schema.ts` for the kinds). */
export function keepGoodItems(kind: string, value: unknown, where: string, drop: DropItem): unknown {
  switch (kind) {
    case 'regexes':
      return keepItems(value as unknown[], where, regexRefusal, String, drop);
    case 'daily-times':
      return keepItems(
        value as unknown[],
        where,
        (t) => (parseDailyTime(t) === null ? 'not "HH:MM" or "HH:MM:SS"' : null),
        String,
        drop,
      );
    case 'hooks':
      return keepItems(value as unknown[], where, hookRefusal, toHook, drop);
    case 'env':
      return keepEnv(value as Record<string, unknown>, where, drop);
    default:
      return value;
  }
}

/** The top-level `environments` section: `{"<name>": {"extra_args": [...], "env": {...}}}`. */
export function environmentsFrom(
  value: unknown,
  drop: DropItem,
  warn: (message: string) => void,
): Record<string, EnvironmentConfig> {
  const out: Record<string, EnvironmentConfig> = {};
  if (value === undefined) return out;
  if (!isObject(value)) {
    warn(`section "environments" is not an object; using {}`);
    return out;
  }
  for (const [name, entry] of Object.entries(value)) {
    const where = `environments.${describeValue(name, 60)}`;
    if (name.length === 0 || name.length > 255 || !isObject(entry)) {
      drop(where, entry, 'expected {"extra_args": [...], "env": {...}}');
      continue;
    }
    const args = entry.extra_args ?? [];
    const argsOk = Array.isArray(args) && args.every((a) => typeof a === 'string' && a.length <= MAX_TEXT);
    if (!argsOk) drop(`${where}.extra_args`, args, 'not a list of strings');
    const env = entry.env ?? {};
    if (!isObject(env)) drop(`${where}.env`, env, 'not an object of strings');
    out[name] = {
      extraArgs: argsOk ? [...(args as string[])] : [],
      env: isObject(env) ? keepEnv(env, `${where}.env`, drop) : {},
    };
  }
  return out;
}

/** `environments` as on disk. */
export function environmentsToWire(environments: Record<string, EnvironmentConfig>): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(environments))
    wire[name] = { extra_args: entry.extraArgs, env: entry.env };
  return wire;
}
