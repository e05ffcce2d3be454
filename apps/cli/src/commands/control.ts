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
}

export interface StopOptions {
  workspace?: string;
  json?: boolean;
  /** Seconds to wait for the supervisor to be gone; validated by numberOption. @default 30 */
  timeout?: number;
}

export async function restartCommand(options: RestartOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const result = await (await client(workspace)).restart();
  if (!result.ok) throw new UserError(`the supervisor refused the restart: ${result.error}`);
  process.stdout.write(options.json ? `${JSON.stringify(result.body)}\n` : 'restart requested\n');
  return 0;
}

/** `comfyvisor stop`: the supervisor stops ComfyUI and exits; waits until it is gone. */
export async function stopCommand(options: StopOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const dir = metadataDir(workspace);
  const pid = await readPidFile(dir);
  const result = await (await client(workspace)).kill();
  if (!result.ok) throw new UserError(`the supervisor refused to stop: ${result.error}`);
  const deadline = Date.now() + Number(options.timeout ?? 30) * 1000;
  while (pid !== null && isSupervisorProcess(pid)) {
    if (Date.now() > deadline)
      throw new UserError(`the supervisor (pid ${pid}) is still running after ${options.timeout ?? 30} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.stdout.write(options.json ? `${JSON.stringify({ status: 'stopped', pid })}\n` : 'stopped\n');
  return 0;
}
