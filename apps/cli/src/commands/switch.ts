import { checkEnvironment } from '@comfyvisor/detection';
import {
  FILE_NAMES,
  FINAL_SWITCH_STATES,
  inspectSwitchStatusWire,
  metadataDir,
  type SwitchStatusWire,
  watchFile,
} from '@comfyvisor/ipc-files';
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

/** `comfyvisor switch <env>`: asks the running supervisor to switch and follows the progress. */
export async function switchCommand(
  target: string,
  options: { workspace?: string; json?: boolean; timeout?: number; force?: boolean },
): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const check = checkEnvironment(workspace, target);
  if (!check.ok) throw new UserError(check.message);
  const client = await supervisorOf(workspace);
  const dir = metadataDir(workspace);
  const startedAt = Date.now();
  const accepted = await client.switchTo(target, { force: options.force === true });
  if (!accepted.ok) {
    // The Python supervisor has no /switch: it answers 404 (or 405) and says nothing of its own.
    if (accepted.status === 404 || accepted.status === 405) {
      throw new UserError(
        "switch refused: the running supervisor cannot switch on request (it is not comfyvisor); switch from ComfyUI's panel, or restart ComfyUI under `comfyvisor run`",
      );
    }
    throw new UserError(`switch refused: ${accepted.error}`);
  }

  const tty = process.stdout.isTTY && !options.json;
  let lastLine = '';
  const show = (status: RawSwitchStatus) => {
    const line = `${progressBar(status.progress ?? 0)} ${status.state}: ${text(status.message) ?? ''}`;
    if (line === lastLine) return;
    lastLine = line;
    if (options.json) return;
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const timeoutMs = Number(options.timeout ?? 600) * 1000;
  const seconds = () => (Date.now() - startedAt) / 1000;
  const final = await new Promise<{ status: RawSwitchStatus; end: SwitchEnd } | null>((resolve) => {
    let done = false;
    const finish = (value: { status: RawSwitchStatus; end: SwitchEnd } | null) => {
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
      show(status);
      const end = describeSwitchEnd(status, { target, workspace, seconds: seconds() });
      // A `complete` for another target is someone else's switch.
      if (end && (status.target_env === target || status.state !== 'complete')) finish({ status, end });
    };
    const watcher = watchFile(dir, FILE_NAMES.switchStatus, () => void check(), { pollMs: 500 });
    const poll = setInterval(() => void check(), 250);
    const timer = setTimeout(() => finish(null), timeoutMs);
    void check();
  });
  if (tty) process.stdout.write('\n');
  if (!final) throw new UserError(`no result after ${timeoutMs / 1000} s; see \`comfyvisor status\``);
  if (options.json) printJson(final.status);
  else if (final.end.exitCode === 0) process.stdout.write(`${final.end.text}\n`);
  else process.stderr.write(`comfyvisor: ${final.end.text}\n`);
  return final.end.exitCode;
}
