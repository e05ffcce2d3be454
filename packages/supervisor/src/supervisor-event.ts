import type { SwitchOutcome } from '@comfyvisor/ipc-files';
/**
 * What the supervisor did, as one record: appended to `.metadata/events.jsonl`, counted for
 * `/metrics`, shown by `comfyvisor events` and the dashboard.
 */
export type SupervisorEvent =
  | { type: 'supervisor_start'; env: string; pid: number }
  | { type: 'supervisor_stop'; reason: string; exitCode: number }
  | { type: 'comfyui_start'; env: string; pid: number }
  | {
      type: 'comfyui_exit';
      env: string;
      pid: number;
      code: number | null;
      signal: string | null;
      meaning: string;
    }
  | { type: 'restart'; env: string; reason: 'exit_42' | 'command' | 'manager' | 'crash' | 'hung' }
  | { type: 'sync'; env: string; ok: boolean; skipped: boolean; durationMs: number | null; reason?: string }
  | { type: 'switch_start'; target: string; source: string | null }
  | {
      type: 'switch_end';
      target: string;
      source: string | null;
      outcome: SwitchOutcome;
      durationMs: number;
      error?: string;
    }
  | { type: 'health'; env: string; healthy: boolean; afterMs: number }
  | { type: 'hung'; env: string; pid: number; failures: number }
  | { type: 'backoff'; env: string; delayMs: number; crashes: number }
  | { type: 'give_up'; env: string; crashes: number; lastExit: string };

export type RecordEvent = (event: SupervisorEvent) => void;
