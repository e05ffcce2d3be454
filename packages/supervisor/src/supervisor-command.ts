/**
 * What can be asked of a running supervisor (from `.cmd`, the control API, or a caller). A planned
 * restart, shutdown or switch first waits for ComfyUI's running prompt (the drain); `force` skips it.
 */
export type SupervisorCommand =
  | { command: 'restart'; force?: boolean | undefined }
  | { command: 'shutdown'; force?: boolean | undefined }
  | { command: 'abort_switch'; reason?: string }
  | { command: 'switch'; targetEnv: string; force?: boolean | undefined };
