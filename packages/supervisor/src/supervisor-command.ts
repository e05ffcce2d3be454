/** What can be asked of a running supervisor (from `.cmd`, the control API, or a caller). */
export type SupervisorCommand =
  | { command: 'restart' }
  | { command: 'shutdown' }
  | { command: 'abort_switch'; reason?: string }
  | { command: 'switch'; targetEnv: string };
