import type { SwitchOutcome } from '@comfyvisor/ipc-files';
import type { WatchdogDetail, WatchdogReason } from './supervisor-command.ts';

/** Why ComfyUI was restarted; a watchdog's restart carries what it saw (`line`, `bytes`, `limitBytes`, `at`). */
export type RestartReason = 'exit_42' | 'command' | 'manager' | 'crash' | 'hung' | WatchdogReason;

/**
 * What the supervisor did, as one record: appended to `.metadata/events.jsonl`, counted for
 * `/metrics`, shown by `comfyvisor events` and the dashboard.
 */
export type SupervisorEvent =
  | { type: 'supervisor_start'; env: string; pid: number }
  | { type: 'supervisor_stop'; reason: string; exitCode: number }
  | { type: 'comfyui_start'; env: string; pid: number }
  /** ComfyUI answered for the first time since its start. */
  | { type: 'comfyui_ready'; env: string; pid: number; afterMs: number }
  | {
      type: 'comfyui_exit';
      env: string;
      pid: number;
      code: number | null;
      signal: string | null;
      meaning: string;
    }
  | ({ type: 'restart'; env: string; reason: RestartReason } & WatchdogDetail)
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
  | { type: 'hung'; env: string; pid: number; failures: number; stack_dump?: boolean }
  | { type: 'backoff'; env: string; delayMs: number; crashes: number }
  | { type: 'give_up'; env: string; crashes: number; lastExit: string }
  /** A planned restart, stop or switch waits for ComfyUI's running prompt. */
  | { type: 'drain_start'; action: 'restart' | 'stop' | 'switch'; running: number; pending: number }
  | {
      type: 'drain_end';
      action: 'restart' | 'stop' | 'switch';
      outcome: 'finished' | 'timeout' | 'forced' | 'exited';
      durationMs: number;
    }
  /** Pending prompts queued again on the new ComfyUI after a restart. */
  | { type: 'requeue'; env: string; count: number; failed: number; errors?: unknown[] }
  /** Pending prompts left behind (a switch does not carry them to another environment). */
  | { type: 'prompts_dropped'; env: string; pending: number; reason: string }
  /** What ComfyUI was working on when it ended unplanned (a crash, a hang, a kill). */
  | { type: 'prompts_lost'; env: string; prompt_ids: string[]; pending: number };

export type RecordEvent = (event: SupervisorEvent) => void;
