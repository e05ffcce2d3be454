import type { Command } from 'commander';
import { registerWorkerCommands } from '../commands/worker.ts';
import type { ProgramContext } from './context.ts';

/** worker up|setup|down|status|regenerate-key: many ComfyUI instances behind the deploy-worker API. */
export function register(program: Command, context: ProgramContext): void {
  registerWorkerCommands(program, context.done);
}
