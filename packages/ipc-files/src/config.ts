import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { describeValue, parseJsonText } from './bounded-text.ts';
import { environmentsFrom, environmentsToWire, keepGoodItems } from './config-items.ts';
import { refusal, SCHEMA, SECTIONS } from './config-schema.ts';
import type { Config } from './config-types.ts';
import { type IpcOptions, loggerOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { READ_LIMITS, readRegularFile } from './safe-read.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export type { Config } from './config-types.ts';

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['version', 'environments', ...SECTIONS]);

/** The config from a file's JSON object, each problem told to `warn` (the loader's one set of rules). */
export function build(user: Record<string, unknown>, warn: (message: string) => void): Config {
  const drop = (where: string, value: unknown, why: string) =>
    warn(`${where} = ${describeValue(value, 60)} dropped (${why})`);
  const config: Record<string, unknown> = {
    version: typeof user.version === 'string' ? user.version.slice(0, 100) : '1.0',
  };
  for (const section of SECTIONS) {
    const given = user[section];
    const userSection =
      given && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
    if (given !== undefined && userSection !== given)
      warn(`section "${section}" is not an object; using defaults`);
    const out: Record<string, unknown> = {};
    for (const spec of SCHEMA[section]) {
      const [wireKey, key, kind, fallback] = spec;
      const value = userSection[wireKey];
      const refused = value === undefined ? null : refusal(spec, value);
      if (value === undefined) out[key] = clone(fallback);
      else if (refused === null) out[key] = clone(keepGoodItems(kind, value, `${section}.${wireKey}`, drop));
      else {
        warn(
          `${section}.${wireKey} = ${describeValue(value, 60)} refused (expected ${refused}); using ${describeValue(fallback)}`,
        );
        out[key] = clone(fallback);
      }
    }
    // Keys of a known section that we do not know are kept, under their wire names.
    for (const [wireKey, value] of Object.entries(userSection)) {
      if (!SCHEMA[section].some(([known]) => known === wireKey)) out[wireKey] = value;
    }
    config[section] = out;
  }
  config.environments = environmentsFrom(user.environments, drop, warn);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) if (!TOP_LEVEL_KEYS.has(key)) extra[key] = value;
  config.extra = extra;
  return config as unknown as Config;
}

/** The defaults (deep-frozen: never mutated). */
export const DEFAULT_CONFIG: Readonly<Config> = deepFreeze(build({}, () => {}));

/** The JSON object as on disk (snake_case), unknown keys and sections included. */
export function configToWire(config: Config): Record<string, unknown> {
  const wire: Record<string, unknown> = { version: config.version };
  for (const section of SECTIONS) {
    const source = config[section] as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [wireKey, key] of SCHEMA[section]) out[wireKey] = source[key];
    for (const [key, value] of Object.entries(source)) {
      if (!SCHEMA[section].some(([, known]) => known === key)) out[key] = value;
    }
    wire[section] = out;
  }
  wire.environments = environmentsToWire(config.environments);
  return { ...wire, ...config.extra };
}

/**
 * Reads the config without ever creating it: null when there is no file (nothing written, nothing
 * logged; the caller decides what that means, e.g. `?? DEFAULT_CONFIG`); otherwise as `loadConfig`
 * reads it. For commands and pages that only look. Never throws.
 */
export async function readConfig(dir: string, options?: IpcOptions): Promise<Config | null> {
  return readOrMissing(dir, options);
}

/**
 * Loads the config: written with defaults when missing; a user file is merged section by section
 * over the defaults, each value out of its range refused with one warning naming the key and the
 * default used (each bad item of a list, such as one invalid regex, is dropped with one warning and
 * the rest kept); a corrupt, too deep, too large or non-regular file means defaults plus one warning
 * (and the file is left alone). Never throws.
 */
export async function loadConfig(dir: string, options?: IpcOptions): Promise<Config> {
  const found = await readOrMissing(dir, options);
  if (found) return found;
  const path = join(dir, FILE_NAMES.config);
  const config = clone(DEFAULT_CONFIG) as Config;
  try {
    await writeFileAtomic(path, toPythonJson(configToWire(config), 2), options);
    loggerOf(options).info(`created default config: ${path}`);
  } catch (error) {
    loggerOf(options).warn(`could not write the default config: ${(error as Error).message}`);
  }
  return config;
}

/** The config from the file, or null when there is no file. */
async function readOrMissing(dir: string, options?: IpcOptions): Promise<Config | null> {
  const logger = loggerOf(options);
  const read = await readRegularFile(join(dir, FILE_NAMES.config), READ_LIMITS.json);
  if (read.kind === 'missing') return null;
  if (read.kind === 'invalid') {
    logger.warn(`${FILE_NAMES.config}: ${read.reason}; using the defaults`);
    return clone(DEFAULT_CONFIG) as Config;
  }
  const parsed = parseJsonText(read.text);
  if (!parsed.ok) {
    logger.warn(`${FILE_NAMES.config}: ${parsed.reason}; using the defaults`);
    return clone(DEFAULT_CONFIG) as Config;
  }
  const user = parsed.value;
  if (!user || typeof user !== 'object' || Array.isArray(user)) {
    logger.warn(`${FILE_NAMES.config} is not a JSON object; using the defaults`);
    return clone(DEFAULT_CONFIG) as Config;
  }
  return build(user as Record<string, unknown>, (message) => logger.warn(`${FILE_NAMES.config}: ${message}`));
}
