import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { describeValue, parseJsonText } from './bounded-text.ts';
import { refusal, SCHEMA, SECTIONS } from './config-schema.ts';
import { type IpcOptions, loggerOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { READ_LIMITS, readRegularFile } from './safe-read.ts';

/** `orchestrator_config.json`, in TypeScript names. Ranges: see `config-schema.ts` and the README. */
export interface Config {
  version: string;
  orchestrator: {
    controlPort: number;
    controlPortRange: [number, number];
    enableControlServer: boolean;
    logLevel: string;
    healthCheckTimeoutS: number;
    syncTimeoutS: number;
    /** ours: time between health probes. @default 100 */
    healthCheckIntervalMs: number;
    /** ours: consecutive good probes that make a process healthy. @default 3 */
    healthCheckSuccesses: number;
    /** ours: SIGTERM-to-SIGKILL grace when stopping ComfyUI. @default 10 */
    stopGraceS: number;
    /** ours: crashes tolerated within the window before giving up. @default 5 */
    crashMaxRestarts: number;
    /** @default 300 */
    crashWindowS: number;
    /** @default 500 */
    crashBackoffInitialMs: number;
    /** @default 30000 */
    crashBackoffMaxMs: number;
    /** ours: run the sync step before each start. @default true */
    syncEnabled: boolean;
    /** ours: replaces `cg -e <env> repair --yes --models skip`; `{env}` and `{workspace}` are substituted. @default null */
    syncCommand: string[] | null;
    /** ours: also wrap ComfyUI in `setpriv --pdeathsig SIGKILL` on Linux (costs ~4 ms per start). @default false */
    parentDeathSignal: boolean;
    /** ours: probe a running ComfyUI and restart it when it stops answering. @default true */
    livenessEnabled: boolean;
    /** ours: seconds between liveness probes (1-3600). @default 10 */
    livenessIntervalS: number;
    /** ours: consecutive failed probes that count as hung (1-100). @default 3 */
    livenessFailures: number;
    /** ours: timeout of one liveness probe in seconds (0.1-600). @default 5 */
    livenessTimeoutS: number;
    /** ours: how long the control API waits before answering a restart/kill (0-10000 ms). @default 300 */
    controlReplyDelayMs: number;
    /** ours: size at which comfyui.log and orchestrator.log rotate (1-10240 MB). @default 10 */
    logMaxMb: number;
    /** ours: rotated log files kept (0-100). @default 3 */
    logKeep: number;
    /** ours: the supervisor's own log lines as text or JSON. @default 'text' */
    logFormat: 'text' | 'json';
    /** ours: size at which events.jsonl rotates (16-65536 KB: readers take at most 64 MiB). @default 1024 */
    eventsMaxKb: number;
  };
  comfyui: { defaultPort: number; defaultHost: string; extraArgs: string[] };
  frontend: { emergencyThresholdNormalS: number; emergencyThresholdSwitchingS: number };
  /** Sections we do not know, kept as they were. */
  extra: Record<string, unknown>;
}

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

function build(user: Record<string, unknown>, warn: (message: string) => void): Config {
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
      const [wireKey, key, , fallback] = spec;
      const value = userSection[wireKey];
      const refused = value === undefined ? null : refusal(spec, value);
      if (value === undefined) out[key] = clone(fallback);
      else if (refused === null) out[key] = clone(value);
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
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user))
    if (key !== 'version' && !(SECTIONS as string[]).includes(key)) extra[key] = value;
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
  return { ...wire, ...config.extra };
}

/**
 * Loads the config: written with defaults when missing; a user file is merged section by section
 * over the defaults, each value out of its range refused with one warning naming the key and the
 * default used; a corrupt, too deep, too large or non-regular file means defaults plus one warning
 * (and the file is left alone). Never throws.
 */
export async function loadConfig(dir: string, options?: IpcOptions): Promise<Config> {
  const logger = loggerOf(options);
  const path = join(dir, FILE_NAMES.config);
  const read = await readRegularFile(path, READ_LIMITS.json);
  if (read.kind === 'missing') {
    const config = clone(DEFAULT_CONFIG) as Config;
    try {
      await writeFileAtomic(path, toPythonJson(configToWire(config), 2), options);
      logger.info(`created default config: ${path}`);
    } catch (error) {
      logger.warn(`could not write the default config: ${(error as Error).message}`);
    }
    return config;
  }
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
