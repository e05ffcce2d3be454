import type { Config } from '@comfyvisor/ipc-files';
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
}

type Ours = Partial<{
  livenessEnabled: boolean;
  livenessIntervalS: number;
  livenessFailures: number;
  livenessTimeoutS: number;
  controlReplyDelayMs: number;
}>;

export function settingsFrom(config: Config): Settings {
  const o = config.orchestrator;
  const ours = o as Ours;
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
    livenessEnabled: ours.livenessEnabled ?? true,
    livenessIntervalMs: (ours.livenessIntervalS ?? 10) * 1000,
    livenessFailures: ours.livenessFailures ?? 3,
    livenessTimeoutMs: (ours.livenessTimeoutS ?? 5) * 1000,
    replyDelayMs: ours.controlReplyDelayMs ?? 300,
  };
}
