import type { Command } from 'commander';
import type { DemoOptions } from '../commands/demo.ts';
import type { SetupOptions } from '../commands/setup.ts';
import { numberOption } from '../number-option.ts';
import type { ProgramContext } from './context.ts';

/** setup, demo: the tooling venv, and a throw-away workspace to try comfyvisor on. */
export function register(program: Command, { done }: ProgramContext): void {
  program
    .command('setup')
    .description("create the tooling venv with ComfyGit's `cg` (used to sync environments before a start)")
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--package <spec...>', 'install these instead of comfygit (a path to a wheel works)')
    .option('--offline', 'do not use a package index (pip --no-index)')
    .option('--find-links <dir>', 'a folder of wheels to install from')
    .option('--json', 'machine-readable output')
    .action(async (opts: SetupOptions) => done((await import('../commands/setup.ts')).setupCommand(opts)));

  program
    .command('demo')
    .description(
      'a throw-away workspace with two environments running a fake ComfyUI, supervised in the foreground',
    )
    .option(
      '--port <port>',
      "the fake ComfyUI's preferred port",
      numberOption({ min: 1, max: 65_535, integer: true }),
      8188,
    )
    .option('--keep', 'keep the demo workspace afterwards')
    .action(async (opts: DemoOptions) => done((await import('../commands/demo.ts')).demoCommand(opts)));
}
