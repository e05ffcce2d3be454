/** ComfyUI's exit codes that mean something (wire). */
export const EXIT_CLEAN = 0;
export const EXIT_RESTART = 42;
export const EXIT_SWITCH = 43;

export interface ComfyuiExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What an exit of ComfyUI asks of the supervisor. */
export type ExitAction =
  | { action: 'stop' }
  | { action: 'restart'; reason: 'exit_42' | 'manager' }
  | { action: 'switch' }
  | { action: 'crash'; description: string };

/**
 * The exit-code policy, pure: 0 stops (unless ComfyUI-Manager left its reboot marker: then it is a
 * restart), 42 restarts, 43 switches, anything else (or a signal) is a crash.
 */
export function decideExit(exit: ComfyuiExit, managerRebootMarker: boolean): ExitAction {
  if (exit.signal === null && exit.code === EXIT_CLEAN)
    return managerRebootMarker ? { action: 'restart', reason: 'manager' } : { action: 'stop' };
  if (exit.signal === null && exit.code === EXIT_RESTART) return { action: 'restart', reason: 'exit_42' };
  if (exit.signal === null && exit.code === EXIT_SWITCH) return { action: 'switch' };
  return { action: 'crash', description: describeExit(exit) };
}

export function describeExit(exit: ComfyuiExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
