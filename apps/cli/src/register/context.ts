import type { Command } from 'commander';

/** What every command group gets when it registers its commands. */
export interface ProgramContext {
  /** ComfyUI's own arguments (after `--args` or `--`), for `run` and `service install`. */
  readonly comfyuiArgs: string[];
  /** Hands an action's exit code to the program (each action resolves with one). */
  done(result: Promise<number>): Promise<void>;
}

/**
 * A command group: adds its commands to `program`. Its actions import their implementation
 * lazily (`await import('../commands/x.ts')`), so registering costs nothing at start-up.
 */
export type RegisterCommands = (program: Command, context: ProgramContext) => void;

/** The "Examples:" block of a command's help. */
export const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

export const WORKSPACE_HELP = 'the ComfyGit workspace';
