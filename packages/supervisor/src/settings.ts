import type { Config } from '@comfyvisor/ipc-files';

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
  statusClearMs: number;
  extraArgs: string[];
  defaultHost: string;
  defaultPort: number;
  logLevel: string;
  /** How long to wait for ComfyUI's port to be released by a process we do not own. @default 30000 */
  portWaitMs: number;
  /** Wrap ComfyUI in `setpriv --pdeathsig SIGKILL` (Linux), on top of the lifeline. */
  parentDeathSignal: boolean;
}

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
    statusClearMs: o.switchStatusClearS * 1000,
    extraArgs: config.comfyui.extraArgs,
    defaultHost: config.comfyui.defaultHost,
    defaultPort: config.comfyui.defaultPort,
    logLevel: o.logLevel,
    portWaitMs: 30_000,
    parentDeathSignal: o.parentDeathSignal,
  };
}
