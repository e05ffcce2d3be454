import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { type IpcOptions, loggerOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { readText } from './read-file.ts';

/** `orchestrator_config.json`, in TypeScript names. */
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
    /** ours: how long `complete` stays visible before status and lock are cleared. @default 3 */
    switchStatusClearS: number;
    /** ours: also wrap ComfyUI in `setpriv --pdeathsig SIGKILL` on Linux (costs ~4 ms per start). @default false */
    parentDeathSignal: boolean;
  };
  comfyui: { defaultPort: number; defaultHost: string; extraArgs: string[] };
  frontend: { emergencyThresholdNormalS: number; emergencyThresholdSwitchingS: number };
  /** Sections we do not know, kept as they were. */
  extra: Record<string, unknown>;
}

type Kind = 'number' | 'boolean' | 'string' | 'strings' | 'range' | 'strings-or-null';

/** The wire defaults, section by section: [wire key, TypeScript key, kind, default]. */
const SCHEMA = {
  orchestrator: [
    ['control_port', 'controlPort', 'number', 5050],
    ['control_port_range', 'controlPortRange', 'range', [5050, 5100]],
    ['enable_control_server', 'enableControlServer', 'boolean', true],
    ['log_level', 'logLevel', 'string', 'info'],
    ['health_check_timeout_s', 'healthCheckTimeoutS', 'number', 180],
    ['sync_timeout_s', 'syncTimeoutS', 'number', 600],
    ['health_check_interval_ms', 'healthCheckIntervalMs', 'number', 100],
    ['health_check_successes', 'healthCheckSuccesses', 'number', 3],
    ['stop_grace_s', 'stopGraceS', 'number', 10],
    ['crash_max_restarts', 'crashMaxRestarts', 'number', 5],
    ['crash_window_s', 'crashWindowS', 'number', 300],
    ['crash_backoff_initial_ms', 'crashBackoffInitialMs', 'number', 500],
    ['crash_backoff_max_ms', 'crashBackoffMaxMs', 'number', 30000],
    ['sync_enabled', 'syncEnabled', 'boolean', true],
    ['sync_command', 'syncCommand', 'strings-or-null', null],
    ['switch_status_clear_s', 'switchStatusClearS', 'number', 3],
    ['parent_death_signal', 'parentDeathSignal', 'boolean', false],
  ],
  comfyui: [
    ['default_port', 'defaultPort', 'number', 8188],
    ['default_host', 'defaultHost', 'string', '127.0.0.1'],
    ['extra_args', 'extraArgs', 'strings', []],
  ],
  frontend: [
    ['emergency_threshold_normal_s', 'emergencyThresholdNormalS', 'number', 10],
    ['emergency_threshold_switching_s', 'emergencyThresholdSwitchingS', 'number', 60],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [string, string, Kind, unknown]>>;

type Section = keyof typeof SCHEMA;
const SECTIONS = Object.keys(SCHEMA) as Section[];

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'strings-or-null':
      return (
        value === null ||
        (Array.isArray(value) && value.length > 0 && value.every((i) => typeof i === 'string'))
      );
    case 'range':
      return (
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((p) => Number.isInteger(p) && p >= 0 && p <= 65535) &&
        (value[0] as number) <= (value[1] as number)
      );
  }
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
    version: typeof user.version === 'string' ? user.version : '1.0',
  };
  for (const section of SECTIONS) {
    const given = user[section];
    const userSection =
      given && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
    if (given !== undefined && userSection !== given)
      warn(`section "${section}" is not an object; using defaults`);
    const out: Record<string, unknown> = {};
    for (const [wireKey, key, kind, fallback] of SCHEMA[section]) {
      const value = userSection[wireKey];
      if (value === undefined) out[key] = clone(fallback);
      else if (fits(kind, value)) out[key] = clone(value);
      else {
        warn(
          `${section}.${wireKey} has an unusable value ${JSON.stringify(value)}; using ${JSON.stringify(fallback)}`,
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
 * over the defaults; a corrupt file means defaults plus a warning (and the file is left alone).
 */
export async function loadConfig(dir: string, options?: IpcOptions): Promise<Config> {
  const logger = loggerOf(options);
  const path = join(dir, FILE_NAMES.config);
  const text = await readText(path);
  if (text === null) {
    const config = clone(DEFAULT_CONFIG) as Config;
    try {
      await writeFileAtomic(path, toPythonJson(configToWire(config), 2));
      logger.info(`created default config: ${path}`);
    } catch (error) {
      logger.warn(`could not write the default config: ${(error as Error).message}`);
    }
    return config;
  }
  let user: unknown;
  try {
    user = JSON.parse(text);
  } catch (error) {
    logger.warn(`${FILE_NAMES.config} is not valid JSON (${(error as Error).message}); using the defaults`);
    return clone(DEFAULT_CONFIG) as Config;
  }
  if (!user || typeof user !== 'object' || Array.isArray(user)) {
    logger.warn(`${FILE_NAMES.config} is not a JSON object; using the defaults`);
    return clone(DEFAULT_CONFIG) as Config;
  }
  return build(user as Record<string, unknown>, (message) => logger.warn(`${FILE_NAMES.config}: ${message}`));
}
