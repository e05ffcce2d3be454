/**
 * The keys of `orchestrator_config.json`, section by section, with their defaults and the values
 * each accepts: `[wire key, TypeScript key, kind, default, accepted]`, where `accepted` is the
 * inclusive `[min, max]` of a number or the allowed strings of an enum.
 */
export type Kind =
  | 'number'
  | 'int'
  | 'boolean'
  | 'string'
  | 'enum'
  | 'strings'
  | 'port-range'
  | 'strings-or-null'
  // lists and maps whose bad items are dropped one by one (config-items.ts)
  | 'regexes'
  | 'daily-times'
  | 'hooks'
  | 'env';

export type KeySpec = readonly [
  string,
  string,
  Kind,
  unknown,
  (readonly [number, number] | readonly string[])?,
];

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;
/** 16 TiB in MB: more than any machine has, so any real threshold fits. */
const MAX_MB = 16 * 1024 * 1024;

/** What ComfyUI prints when CUDA has left it alive and useless. */
export const DEFAULT_FATAL_OUTPUT_PATTERNS = [
  'CUDA error: an illegal memory access was encountered',
  'device-side assert triggered',
];

export const SCHEMA = {
  orchestrator: [
    ['control_port', 'controlPort', 'int', 5050, [1, 65535]],
    ['control_port_range', 'controlPortRange', 'port-range', [5050, 5100]],
    ['enable_control_server', 'enableControlServer', 'boolean', true],
    ['log_level', 'logLevel', 'string', 'info'],
    ['health_check_timeout_s', 'healthCheckTimeoutS', 'number', 180, [1, DAY_S]],
    ['sync_timeout_s', 'syncTimeoutS', 'number', 600, [1, DAY_S]],
    ['health_check_interval_ms', 'healthCheckIntervalMs', 'int', 100, [10, 60_000]],
    ['health_check_successes', 'healthCheckSuccesses', 'int', 3, [1, 100]],
    ['stop_grace_s', 'stopGraceS', 'number', 10, [0.1, 3600]],
    ['crash_max_restarts', 'crashMaxRestarts', 'int', 5, [0, 1000]],
    ['crash_window_s', 'crashWindowS', 'number', 300, [1, DAY_S]],
    ['crash_backoff_initial_ms', 'crashBackoffInitialMs', 'int', 500, [0, 600_000]],
    ['crash_backoff_max_ms', 'crashBackoffMaxMs', 'int', 30000, [0, 3_600_000]],
    ['sync_enabled', 'syncEnabled', 'boolean', true],
    ['sync_command', 'syncCommand', 'strings-or-null', null],
    ['parent_death_signal', 'parentDeathSignal', 'boolean', false],
    ['liveness_enabled', 'livenessEnabled', 'boolean', true],
    ['liveness_interval_s', 'livenessIntervalS', 'number', 10, [1, 3600]],
    ['liveness_failures', 'livenessFailures', 'int', 3, [1, 100]],
    ['liveness_timeout_s', 'livenessTimeoutS', 'number', 5, [0.1, 600]],
    ['control_reply_delay_ms', 'controlReplyDelayMs', 'int', 300, [0, 10_000]],
    ['log_max_mb', 'logMaxMb', 'number', 10, [1, 10_240]],
    ['log_keep', 'logKeep', 'int', 3, [0, 100]],
    ['log_format', 'logFormat', 'enum', 'text', ['text', 'json']],
    ['events_max_kb', 'eventsMaxKb', 'int', 1024, [16, 65_536]], // readEvents reads at most 64 MiB
    ['drain_enabled', 'drainEnabled', 'boolean', true],
    ['drain_timeout_s', 'drainTimeoutS', 'number', 900, [0, WEEK_S]],
    ['drain_on_sigterm', 'drainOnSigterm', 'boolean', false],
    ['requeue_pending', 'requeuePending', 'boolean', true],
    ['liveness_busy_timeout_s', 'livenessBusyTimeoutS', 'number', 600, [1, WEEK_S]],
    ['fatal_output_patterns', 'fatalOutputPatterns', 'regexes', DEFAULT_FATAL_OUTPUT_PATTERNS],
    ['restart_rss_mb', 'restartRssMb', 'number', 0, [0, MAX_MB]],
    ['restart_vram_mb', 'restartVramMb', 'number', 0, [0, MAX_MB]],
    ['restart_daily_at', 'restartDailyAt', 'daily-times', []],
    ['idle_free_s', 'idleFreeS', 'number', 0, [0, WEEK_S]],
    ['hooks', 'hooks', 'hooks', []],
  ],
  comfyui: [
    ['default_port', 'defaultPort', 'int', 8188, [1, 65535]],
    ['default_host', 'defaultHost', 'string', '127.0.0.1'],
    ['extra_args', 'extraArgs', 'strings', []],
    ['env', 'env', 'env', {}],
  ],
  frontend: [
    ['emergency_threshold_normal_s', 'emergencyThresholdNormalS', 'number', 10, [1, 3600]],
    ['emergency_threshold_switching_s', 'emergencyThresholdSwitchingS', 'number', 60, [1, DAY_S]],
  ],
} as const satisfies Record<string, ReadonlyArray<KeySpec>>;

export type Section = keyof typeof SCHEMA;
export const SECTIONS = Object.keys(SCHEMA) as Section[];

const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** Null when `value` is acceptable for the key, else what was expected (for the warning). */
export function refusal(spec: KeySpec, value: unknown): string | null {
  const [, , kind, , accepted] = spec;
  const range = accepted as readonly [number, number] | undefined;
  switch (kind) {
    case 'number':
    case 'int': {
      const what = `${kind === 'int' ? 'an integer' : 'a number'} from ${range?.[0]} to ${range?.[1]}`;
      if (typeof value !== 'number' || !Number.isFinite(value)) return what;
      if (kind === 'int' && !Number.isInteger(value)) return what;
      return range && (value < range[0] || value > range[1]) ? what : null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : 'true or false';
    case 'string':
      return typeof value === 'string' && value.length <= 1000 ? null : 'a string';
    case 'enum':
      return (accepted as readonly string[]).includes(value as string)
        ? null
        : `one of ${(accepted as readonly string[]).map((o) => `"${o}"`).join(', ')}`;
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? null
        : 'a list of strings';
    case 'strings-or-null':
      return value === null ||
        (Array.isArray(value) && value.length > 0 && value.every((i) => typeof i === 'string'))
        ? null
        : 'null or a non-empty list of strings';
    case 'port-range':
      return Array.isArray(value) &&
        value.length === 2 &&
        value.every(isPort) &&
        (value[0] as number) <= (value[1] as number)
        ? null
        : '[low, high] ports from 1 to 65535 with low <= high';
    case 'regexes':
      return Array.isArray(value) ? null : 'a list of regular expressions';
    case 'daily-times':
      return Array.isArray(value) ? null : 'a list of "HH:MM" or "HH:MM:SS"';
    case 'hooks':
      return Array.isArray(value) ? null : 'a list of hooks';
    case 'env':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? null
        : 'an object of strings';
  }
}
