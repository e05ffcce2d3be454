import { Command } from 'commander';
import { UserError } from './errors.ts';
import type { ProgramContext, RegisterCommands } from './register/context.ts';
import { register as inspection } from './register/inspection.ts';
import { register as service } from './register/service.ts';
import { register as supervision } from './register/supervision.ts';
import { register as tooling } from './register/tooling.ts';
import { register as worker } from './register/worker.ts';
import { VERSION } from './version.ts';

/**
 * The command groups, in the order `--help` lists them. A new group is a module under
 * `register/` exporting `register(program, context)` (see register/context.ts), added here.
 */
const COMMAND_GROUPS: readonly RegisterCommands[] = [supervision, inspection, service, worker, tooling];

/** The `comfyvisor` command line. Each action resolves with the process exit code. */
export function buildProgram(comfyuiArgs: string[], setExitCode: (code: number) => void): Command {
  const program = new Command('comfyvisor')
    .description(
      'Keeps ComfyUI running in a ComfyGit workspace: restarts, environment switches with health checks and rollback.',
    )
    .version(VERSION);
  const context: ProgramContext = { comfyuiArgs, done: (result) => result.then(setExitCode) };
  for (const register of COMMAND_GROUPS) register(program, context);
  program.on('command:*', (operands: string[]) => {
    throw new UserError(`unknown command "${operands[0]}" (see comfyvisor --help)`, 2);
  });
  return program;
}
