import path from 'node:path';
import { readActiveEnvironment } from '@comfyvisor/detection';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { planInit, runUnderInit } from '../init-process.ts';
import { VERSION } from '../version.ts';

export interface RunOptions {
  workspace?: string;
  environment?: string;
  /** false: wait for ComfyUI's port to be released instead of refusing to start. */
  portCheck?: boolean;
  logFile?: string;
}

/** `comfyvisor run`: supervise ComfyUI in the foreground until it stops; resolves with the exit code. */
export async function runCommand(options: RunOptions, comfyuiArgs: string[]): Promise<number> {
  const init = planInit({ pid: process.pid, env: process.env });
  if (init.kind === 'init') return runUnderInit(init.init, process.argv.slice(1));
  if (init.kind === 'warn') process.stderr.write(`${init.message}\n`);
  const workspace = resolveWorkspace(options.workspace);
  const environment = options.environment ?? readActiveEnvironment(workspace);
  if (!environment)
    throw new UserError(
      'no environment given and the workspace has no active environment (pass --environment)',
    );
  // The supervisor checks the environment and ComfyUI's port (once, beside the first sync); its
  // errors for those are the user's to fix and come out as one line.
  const { runSupervisor } = await import('@comfyvisor/supervisor');
  const { exitCode } = await runSupervisor({
    workspace,
    environment,
    args: comfyuiArgs,
    requireControlServer: true,
    logFile: options.logFile ? path.resolve(options.logFile) : undefined,
    version: VERSION,
    settings: { portBusy: options.portCheck === false ? 'wait' : 'refuse' },
  });
  return exitCode;
}
