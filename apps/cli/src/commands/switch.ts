import { environmentExists, validateEnvironmentName } from '@comfyvisor/detection';
import {
  FINAL_SWITCH_STATES,
  metadataDir,
  readSwitchStatus,
  type SwitchStatus,
  switchStatusToWire,
  watchFile,
} from '@comfyvisor/ipc-files';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { printJson, progressBar } from '../output.ts';

/** `comfyvisor switch <env>`: asks the running supervisor to switch and follows the progress. */
export async function switchCommand(
  target: string,
  options: { workspace?: string; json?: boolean; timeout?: string },
): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const check = validateEnvironmentName(target);
  if (!check.ok) throw new UserError(`invalid environment name: ${check.reason}`);
  if (!environmentExists(workspace, target))
    throw new UserError(`unknown environment "${target}" in ${workspace}`);
  const { findControlClient } = await import('@comfyvisor/supervisor');
  const client = await findControlClient(workspace);
  if (!client)
    throw new UserError(`no supervisor is running for ${workspace} (start one with \`comfyvisor run\`)`);
  const dir = metadataDir(workspace);
  const startedAt = Date.now();
  const accepted = await client.switchTo(target);
  if (!accepted.ok) throw new UserError(`switch refused: ${accepted.error}`);

  const tty = process.stdout.isTTY && !options.json;
  let lastLine = '';
  const show = (status: SwitchStatus) => {
    const line = `${progressBar(status.progress)} ${status.state}: ${status.message}`;
    if (line === lastLine) return;
    lastLine = line;
    if (options.json) return;
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const timeoutMs = Number(options.timeout ?? 600) * 1000;
  const final = await new Promise<SwitchStatus | null>((resolve) => {
    let done = false;
    const finish = (value: SwitchStatus | null) => {
      if (done) return;
      done = true;
      watcher.close();
      clearTimeout(timer);
      clearInterval(poll);
      resolve(value);
    };
    const check = async () => {
      const status = await readSwitchStatus(dir);
      if (!status || status.updatedAt < startedAt - 1000) return;
      show(status);
      if (
        FINAL_SWITCH_STATES.has(status.state) &&
        (status.targetEnv === target || status.state !== 'complete')
      )
        finish(status);
    };
    const watcher = watchFile(dir, '.switch_status.json', () => void check(), { pollMs: 500 });
    const poll = setInterval(() => void check(), 250);
    const timer = setTimeout(() => finish(null), timeoutMs);
    void check();
  });
  if (tty) process.stdout.write('\n');
  if (!final) throw new UserError(`no result after ${timeoutMs / 1000} s; see \`comfyvisor status\``);
  if (options.json) printJson(switchStatusToWire(final));
  if (final.state === 'complete') {
    if (!options.json)
      process.stdout.write(`switched to ${target} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
    return 0;
  }
  if (!options.json)
    process.stderr.write(
      `comfyvisor: switch to ${target} ${final.state}: ${final.message}${final.error ? ` (${final.error.split('\n')[0]})` : ''}\n`,
    );
  return 1;
}
