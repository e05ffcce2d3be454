import type { Config, EnvironmentConfig, HookSpec } from '@comfyvisor/ipc-files';
import type { PortBusyPolicy } from './port-guard.ts';

/** What the supervisor takes from the config, in milliseconds. */
export interface Settings {
  controlServer: boolean;
  controlPortRange: [number, number];
  healthTimeoutMs: number;
  healthIntervalMs: number;
  healthSuccesses: number;
  stopGraceMs: number;
  crashMaxRestarts: number;
  crashWindowMs: number;
  crashBackoffInitialMs: number;
  crashBackoffMaxMs: number;
  syncEnabled: boolean;
  syncCommand: string[] | null;
  syncTimeoutMs: number;
  extraArgs: string[];
  defaultHost: string;
  defaultPort: number;
  logLevel: string;
  /** What to do when ComfyUI's port already answers before the first start. @default 'refuse' */
  portBusy: PortBusyPolicy;
  /** How long 'wait' waits for ComfyUI's port to be released. @default 30000 */
  portWaitMs: number;
  /** Wrap ComfyUI in `setpriv --pdeathsig SIGKILL` (Linux), on top of the lifeline. */
  parentDeathSignal: boolean;
  /** Probe a running ComfyUI and restart it when it stops answering. @default true */
  livenessEnabled: boolean;
  /** @default 10000 */
  livenessIntervalMs: number;
  /** Consecutive failed probes that make ComfyUI hung. @default 3 */
  livenessFailures: number;
  /** Each probe's own limit. @default 5000 */
  livenessTimeoutMs: number;
  /** How long after answering ComfyUI's own request (the panel's proxy) a command waits. @default 300 */
  replyDelayMs: number;
  /** Size at which comfyui.log and orchestrator.log are rotated. @default 10 MiB */
  logMaxBytes: number;
  /** Rotated files kept. @default 3 */
  logKeep: number;
  /** @default 'text' */
  logFormat: 'text' | 'json';
  /** Size at which events.jsonl is rotated. @default 1 MiB */
  eventsMaxBytes: number;
  /** A planned restart, stop or switch first waits for the running prompt. @default true */
  drainEnabled: boolean;
  /** The longest such wait. @default 900000 */
  drainTimeoutMs: number;
  /** SIGTERM to the supervisor drains too. @default false */
  drainOnSigterm: boolean;
  /** Prompts pending at a restart in the same environment are posted again. @default true */
  requeuePending: boolean;
  /** Failed liveness probes tolerated this long while a prompt runs. @default 600000 */
  livenessBusyTimeoutMs: number;
  /** Regexes (already checked: each compiles); a matching output line restarts ComfyUI at once. */
  fatalOutputPatterns: string[];
  /** Restart when ComfyUI's tree's resident memory passes this; 0 is off. @default 0 */
  restartRssBytes: number;
  /** Restart when its GPU memory (nvidia-smi) passes this; 0 is off. @default 0 */
  restartVramBytes: number;
  /** Local times `"HH:MM"` or `"HH:MM:SS"` (already checked) of a daily restart. @default [] */
  restartDailyAt: string[];
  /** `POST /free` after this long with an empty queue; 0 is off. @default 0 */
  idleFreeMs: number;
  /**
   * The watchdogs' tick, on the beat liveness shares: memory and GPU are sampled and the schedule
   * and idle spell checked this often. `liveness_interval_s`, at most 10 s. @default 10000
   */
  watchdogIntervalMs: number;
  /** @default [] */
  hooks: HookSpec[];
  /** Variables ComfyUI gets in every environment (`comfyui.env`). @default {} */
  comfyuiEnv: Record<string, string>;
  /** Extra args and variables for one environment, added to the global ones. @default {} */
  environments: Record<string, EnvironmentConfig>;
}

const MIB = 1024 * 1024;

export function settingsFrom(config: Config): Settings {
  const o = config.orchestrator;
  return {
    controlServer: o.enableControlServer,
    controlPortRange: o.controlPortRange,
    healthTimeoutMs: o.healthCheckTimeoutS * 1000,
    healthIntervalMs: o.healthCheckIntervalMs,
    healthSuccesses: o.healthCheckSuccesses,
    stopGraceMs: o.stopGraceS * 1000,
    crashMaxRestarts: o.crashMaxRestarts,
    crashWindowMs: o.crashWindowS * 1000,
    crashBackoffInitialMs: o.crashBackoffInitialMs,
    crashBackoffMaxMs: o.crashBackoffMaxMs,
    syncEnabled: o.syncEnabled,
    syncCommand: o.syncCommand,
    syncTimeoutMs: o.syncTimeoutS * 1000,
    extraArgs: config.comfyui.extraArgs,
    defaultHost: config.comfyui.defaultHost,
    defaultPort: config.comfyui.defaultPort,
    logLevel: o.logLevel,
    portBusy: 'refuse',
    portWaitMs: 30_000,
    parentDeathSignal: o.parentDeathSignal,
    livenessEnabled: o.livenessEnabled,
    livenessIntervalMs: o.livenessIntervalS * 1000,
    livenessFailures: o.livenessFailures,
    livenessTimeoutMs: o.livenessTimeoutS * 1000,
    replyDelayMs: o.controlReplyDelayMs,
    logMaxBytes: o.logMaxMb * MIB,
    logKeep: o.logKeep,
    logFormat: o.logFormat,
    eventsMaxBytes: o.eventsMaxKb * 1024,
    drainEnabled: o.drainEnabled,
    drainTimeoutMs: o.drainTimeoutS * 1000,
    drainOnSigterm: o.drainOnSigterm,
    requeuePending: o.requeuePending,
    livenessBusyTimeoutMs: o.livenessBusyTimeoutS * 1000,
    fatalOutputPatterns: o.fatalOutputPatterns,
    restartRssBytes: Math.round(o.restartRssMb * MIB),
    restartVramBytes: Math.round(o.restartVramMb * MIB),
    restartDailyAt: o.restartDailyAt,
    idleFreeMs: o.idleFreeS * 1000,
    watchdogIntervalMs: Math.min(o.livenessIntervalS * 1000, 10_000),
    hooks: o.hooks,
    comfyuiEnv: config.comfyui.env,
    environments: config.environments,
  };
}
