import { checkEnvironment } from '@comfyvisor/detection';
import {
  FILE_NAMES,
  FINAL_SWITCH_STATES,
  inspectSwitchStatusWire,
  metadataDir,
  type SwitchStatusWire,
  watchFile,
} from '@comfyvisor/ipc-files';
import type { ControlClient } from '@comfyvisor/supervisor';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { printJson, progressBar } from '../output.ts';
import { supervisorOf } from '../supervisor-of.ts';

/** `.switch_status.json` as it is on disk (ipc-files' one reader: every state, typed known fields). */
export type RawSwitchStatus = SwitchStatusWire;

/** How a switch ended, for a human and for the exit code. */
export interface SwitchEnd {
  exitCode: 0 | 1 | 2;
  /** Printed to stdout on success, to stderr otherwise. */
  text: string;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? (value.split('\n')[0] ?? '').trim() : null;

/**
 * The end states of a switch, as the panel reads them: `complete` (0), `rolled_back` (1: the target
 * failed, the source runs again), `critical_failure` (2: the rollback failed too, nothing runs).
 * `failed` and `aborted` (older supervisors) end with 1. Anything else is not an end: null.
 */
export function describeSwitchEnd(
  status: RawSwitchStatus,
  context: { target: string; workspace: string; seconds: number },
): SwitchEnd | null {
  if (!FINAL_SWITCH_STATES.has(status.state)) return null;
  const { target, workspace } = context;
  const source = text(status.source_env);
  const error = text(status.error);
  const message = text(status.message);
  switch (status.state) {
    case 'complete':
      return { exitCode: 0, text: `switched to ${target} in ${context.seconds.toFixed(1)} s` };
    case 'rolled_back':
      return {
        exitCode: 1,
        text:
          `switch to ${target} failed: ${error ?? message ?? 'the target did not become healthy'}; ` +
          `rolled back, ${source ?? 'the previous environment'} is running again`,
      };
    case 'critical_failure': {
      const recovery = text(status.recovery_command);
      const restart = source
        ? `\`comfyvisor run --workspace ${workspace} --environment ${source}\``
        : '`comfyvisor run` with a working environment';
      return {
        exitCode: 2,
        text:
          `switch to ${target} failed and so did the rollback${source ? ` to ${source}` : ''}: ` +
          `${error ?? message ?? 'no environment could be started'}. Nothing is running now. ` +
          `Read \`comfyvisor logs\`, fix the environment, then start it again with ${recovery ? `\`${recovery}\`` : restart}`,
      };
    }
    case 'failed':
    case 'aborted':
      return {
        exitCode: 1,
        text: `switch to ${target} ${status.state}: ${message ?? ''}${error ? ` (${error})` : ''}`,
      };
    default:
      return null;
  }
}

/** Asks the supervisor to switch; a refusal becomes one line saying why. */
async function askToSwitch(client: ControlClient, target: string, force: boolean): Promise<void> {
  const accepted = await client.switchTo(target, { force });
  if (accepted.ok) return;
  // The Python supervisor has no /switch: it answers 404 (or 405) and says nothing of its own.
  if (accepted.status === 404 || accepted.status === 405) {
    throw new UserError(
      "switch refused: the running supervisor cannot switch on request (it is not comfyvisor); switch from ComfyUI's panel, or restart ComfyUI under `comfyvisor run`",
    );
  }
  throw new UserError(`switch refused: ${accepted.error}`);
}

/** Shows each new progress line: redrawn in place on a terminal, one a line otherwise, none with --json. */
function progressPrinter(json: boolean): { tty: boolean; show(status: RawSwitchStatus): void } {
  const tty = process.stdout.isTTY && !json;
  let lastLine = '';
  const show = (status: RawSwitchStatus) => {
    const line = `${progressBar(status.progress ?? 0)} ${status.state}: ${text(status.message) ?? ''}`;
    if (line === lastLine) return;
    lastLine = line;
    if (json) return;
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  return { tty, show };
}

interface FollowSwitch {
  dir: string;
  target: string;
  workspace: string;
  /** When the switch was asked for (ms): an older status is the previous switch's end. */
  startedAt: number;
  timeoutMs: number;
  show(status: RawSwitchStatus): void;
}

type FinalStatus = { status: RawSwitchStatus; end: SwitchEnd };

/** Follows `.switch_status.json` (watched and polled) until this switch ends; null when the time runs out. */
function followSwitch(follow: FollowSwitch): Promise<FinalStatus | null> {
  const { dir, target, workspace, startedAt } = follow;
  return new Promise<FinalStatus | null>((resolve) => {
    let done = false;
    const finish = (value: FinalStatus | null) => {
      if (done) return;
      done = true;
      watcher.close();
      clearTimeout(timer);
      clearInterval(poll);
      resolve(value);
    };
    const check = async () => {
      const read = await inspectSwitchStatusWire(dir);
      const status = read.kind === 'ok' ? read.value : null;
      const updatedAt = (status?.updated_at ?? 0) * 1000;
      // A status older than our request is the previous switch's end, still on disk.
      if (!status || updatedAt < startedAt - 1000) return;
      follow.show(status);
      const end = describeSwitchEnd(status, { target, workspace, seconds: (Date.now() - startedAt) / 1000 });
      // A `complete` for another target is someone else's switch.
      if (end && (status.target_env === target || status.state !== 'complete')) finish({ status, end });
    };
    const watcher = watchFile(dir, FILE_NAMES.switchStatus, () => void check(), { pollMs: 500 });
    const poll = setInterval(() => void check(), 250);
    const timer = setTimeout(() => finish(null), follow.timeoutMs);
    void check();
  });
}

/** `comfyvisor switch <env>`: asks the running supervisor to switch and follows the progress. */
export async function switchCommand(
  target: string,
  options: { workspace?: string; json?: boolean; timeout?: number; force?: boolean },
): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const check = checkEnvironment(workspace, target);
  if (!check.ok) throw new UserError(check.message);
  const client = await supervisorOf(workspace);
  const startedAt = Date.now();
  await askToSwitch(client, target, options.force === true);

  const { tty, show } = progressPrinter(options.json === true);
  const timeoutMs = Number(options.timeout ?? 600) * 1000;
  const dir = metadataDir(workspace);
  const final = await followSwitch({ dir, target, workspace, startedAt, timeoutMs, show });
  if (tty) process.stdout.write('\n');
  if (!final) throw new UserError(`no result after ${timeoutMs / 1000} s; see \`comfyvisor status\``);
  if (options.json) printJson(final.status);
  else if (final.end.exitCode === 0) process.stdout.write(`${final.end.text}\n`);
  else process.stderr.write(`comfyvisor: ${final.end.text}\n`);
  return final.end.exitCode;
}
