import { environmentExists, readActiveEnvironment, validateEnvironmentName } from '@comfyvisor/detection';
import { comfyuiAddress, probeTcp } from '@comfyvisor/health';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { planInit, runUnderInit } from '../init-process.ts';

export interface RunOptions {
  workspace?: string;
  environment?: string;
  /** Let ComfyUI start even when its port already answers. */
  portCheck?: boolean;
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
  const check = validateEnvironmentName(environment);
  if (!check.ok) throw new UserError(`invalid environment name: ${check.reason}`);
  if (!environmentExists(workspace, environment))
    throw new UserError(`unknown environment "${environment}" in ${workspace}`);
  if (options.portCheck !== false) {
    const { host, port } = comfyuiAddress(comfyuiArgs);
    if ((await probeTcp(host, port, 300)).ok) {
      throw new UserError(
        `port ${port} is already in use on ${host} (is ComfyUI already running? pass another --port after --args)`,
      );
    }
  }
  const { runSupervisor } = await import('@comfyvisor/supervisor');
  const { exitCode } = await runSupervisor({
    workspace,
    environment,
    args: comfyuiArgs,
    requireControlServer: true,
  });
  return exitCode;
}
