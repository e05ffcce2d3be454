/**
 * What can be asked of a running supervisor (from `.cmd`, the control API, or a caller). A planned
 * restart, shutdown or switch first waits for ComfyUI's running prompt (the drain); `force` skips it.
 */
export type SupervisorCommand =
  | {
      command: 'restart';
      force?: boolean | undefined;
      /** A watchdog's restart (absent: a person's or a program's). */
      reason?: WatchdogReason | undefined;
      detail?: WatchdogDetail | undefined;
    }
  | { command: 'shutdown'; force?: boolean | undefined }
  | { command: 'abort_switch'; reason?: string }
  | { command: 'switch'; targetEnv: string; force?: boolean | undefined };

/** Why a watchdog restarts ComfyUI: a fatal output line (at once, a crash), or after the drain. */
export type WatchdogReason = 'fatal_output' | 'memory' | 'vram' | 'schedule';

/** What a watchdog saw: the fatal line, the figure and its limit, the listed time. */
export type WatchdogDetail = {
  line?: string;
  bytes?: number;
  limitBytes?: number;
  at?: string;
};
