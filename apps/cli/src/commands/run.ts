import { readActiveEnvironment } from '@comfyvisor/detection';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';

export interface RunOptions {
  workspace?: string;
  environment?: string;
  /** false: wait for ComfyUI's port to be released instead of refusing to start. */
  portCheck?: boolean;
}

/** `comfyvisor run`: supervise ComfyUI in the foreground until it stops; resolves with the exit code. */
export async function runCommand(options: RunOptions, comfyuiArgs: string[]): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const environment = options.environment ?? readActiveEnvironment(workspace);
  if (!environment)
    throw new UserError(
      'no environment given and the workspace has no active environment (pass --environment)',
    );
  // The supervisor checks the environment and ComfyUI's port (once, beside the first sync); its
  // errors for those are the user's to fix and come out as one line.
  const { runSupervisor, createEventLog } = await import('@comfyvisor/supervisor');
  const { loadConfig, metadataDir } = await import('@comfyvisor/ipc-files');
  // TEMPORARY (h/obs): events.jsonl until runSupervisor builds its own recorder; drop this then.
  const dir = metadataDir(workspace);
  const config = await loadConfig(dir);
  const record = createEventLog(dir, { maxBytes: config.orchestrator.eventsMaxKb * 1024 });
  const { exitCode } = await runSupervisor({
    record,
    workspace,
    environment,
    args: comfyuiArgs,
    requireControlServer: true,
    version: process.env.COMFYVISOR_VERSION,
    settings: { portBusy: options.portCheck === false ? 'wait' : 'refuse' },
  }).finally(() => record.flush());
  return exitCode;
}
