/** How the dashboard words a switch's end (as the panel does), from the status file's fields. */

/** States that end a switch: the panel's three, and `failed` / `aborted` of older supervisors. */
export const FINAL_STATES = ['complete', 'rolled_back', 'critical_failure', 'failed', 'aborted'];

export interface SwitchStatusView {
  state?: unknown;
  progress?: unknown;
  message?: unknown;
  target_env?: unknown;
  source_env?: unknown;
  error?: unknown;
  recovery_command?: unknown;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function switchOutcome(s: SwitchStatusView): { kind: 'ok' | 'warn' | 'bad'; text: string } | null {
  const target = text(s.target_env) || 'the target environment';
  const why = s.error ? `: ${text(s.error) || String(s.error)}` : '';
  switch (s.state) {
    case 'complete':
      return { kind: 'ok', text: `Switched to ${target}.` };
    case 'rolled_back': {
      const source = text(s.source_env) || 'The previous environment';
      return { kind: 'warn', text: `Switch to ${target} failed${why}. ${source} is running again.` };
    }
    case 'critical_failure': {
      const recover = s.recovery_command ? ` (${text(s.recovery_command)})` : '';
      return {
        kind: 'bad',
        text: `Switch to ${target} failed and so did the rollback${why}. Nothing is running: read the log below, then start ComfyUI again${recover}.`,
      };
    }
    case 'failed':
    case 'aborted':
      return { kind: 'bad', text: `Switch to ${target} ${s.state}${why}.` };
    default:
      return null;
  }
}

/** Whether a switch is under way (its buttons are then disabled). */
export function switchBusy(s: SwitchStatusView): boolean {
  const state = text(s.state);
  return state !== '' && !['idle', 'unknown', ...FINAL_STATES].includes(state);
}

/** `starting (60%) → env2`, or `idle`. */
export function switchLine(s: SwitchStatusView): string {
  if (s.state === 'idle') return 'idle';
  const progress = typeof s.progress === 'number' ? s.progress : 0;
  return `${text(s.state)} (${progress}%)${s.target_env ? ` → ${text(s.target_env)}` : ''}`;
}
