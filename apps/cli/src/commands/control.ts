import { isSupervisorProcess } from '@comfyvisor/detection';
import { metadataDir, readPidFile } from '@comfyvisor/ipc-files';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { supervisorOf } from '../supervisor-of.ts';

const client = supervisorOf;

/** `comfyvisor restart`: ComfyUI is stopped and started again (synced first). */
export interface RestartOptions {
  workspace?: string;
  json?: boolean;
  /** Do not wait for ComfyUI's running prompt. */
  force?: boolean;
}

export interface StopOptions {
  workspace?: string;
  json?: boolean;
  /** Seconds to wait for the supervisor to be gone, beyond a drain; validated by numberOption. @default 30 */
  timeout?: number;
  /** Do not wait for ComfyUI's running prompt. */
  force?: boolean;
}

export async function restartCommand(options: RestartOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const supervisor = await client(workspace);
  const result = await supervisor.restart({ force: options.force === true });
  if (!result.ok) throw new UserError(`the supervisor refused the restart: ${result.error}`);
  const draining = options.force ? null : await drainingOf(supervisor);
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result.body, draining })}\n`);
  else if (draining) process.stdout.write(`restart requested; ${waitLine(draining)}\n`);
  else process.stdout.write('restart requested\n');
  return 0;
}

type Draining = { action: string; since: number; prompt_id: string | null };

/** The drain under way, as `/health` says a moment after the command (null: none, or unknown). */
async function drainingOf(supervisor: Awaited<ReturnType<typeof client>>): Promise<Draining | null> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  const health = await supervisor.health();
  return health.ok ? (health.body.draining ?? null) : null;
}

function waitLine(d: Draining): string {
  const skip = d.action === 'switch' ? 'switch <env>' : d.action;
  return `waiting for ComfyUI's running prompt${d.prompt_id ? ` ${d.prompt_id}` : ''} to finish first (\`comfyvisor ${skip} --force\` does it now)`;
}

/**
 * `comfyvisor stop`: the supervisor stops ComfyUI and exits; waits until it is gone. A stop waits
 * for ComfyUI's running prompt (the drain) unless forced: `--timeout` counts only outside it.
 */
export async function stopCommand(options: StopOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const dir = metadataDir(workspace);
  const pid = await readPidFile(dir);
  const supervisor = await client(workspace);
  const result = await supervisor.kill({ force: options.force === true });
  if (!result.ok) throw new UserError(`the supervisor refused to stop: ${result.error}`);
  const timeoutMs = Number(options.timeout ?? 30) * 1000;
  let deadline = Date.now() + timeoutMs;
  let told = false;
  let lastLook = 0;
  while (pid !== null && isSupervisorProcess(pid)) {
    if (!options.force && Date.now() - lastLook > 1_000) {
      lastLook = Date.now();
      const draining = await drainingOf(supervisor);
      if (draining) {
        deadline = Date.now() + timeoutMs; // the drain has its own bound (drain_timeout_s)
        if (!told && !options.json) process.stderr.write(`${waitLine(draining)}\n`);
        told = true;
      }
    }
    if (Date.now() > deadline)
      throw new UserError(`the supervisor (pid ${pid}) is still running after ${options.timeout ?? 30} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.stdout.write(options.json ? `${JSON.stringify({ status: 'stopped', pid })}\n` : 'stopped\n');
  return 0;
}
