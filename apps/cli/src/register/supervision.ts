import type { Command } from 'commander';
import type { RestartOptions, StopOptions } from '../commands/control.ts';
import type { RunOptions } from '../commands/run.ts';
import type { StatusOptions } from '../commands/status.ts';
import type { StopOrphansOptions } from '../commands/stop.ts';
import { numberOption } from '../number-option.ts';
import { examples, type ProgramContext, WORKSPACE_HELP } from './context.ts';

/** `comfyvisor switch`'s options (its implementation, commands/switch.ts, takes the same shape). */
export interface SwitchOptions {
  workspace?: string;
  /** Seconds; validated by numberOption. @default 600 */
  timeout?: number;
  json?: boolean;
  /** Do not wait for ComfyUI's running prompt. */
  force?: boolean;
}

const FORCE_HELP = "do not wait for ComfyUI's running prompt to finish (without it, up to drain_timeout_s)";

function registerRun(program: Command, { comfyuiArgs, done }: ProgramContext): void {
  program
    .command('run')
    .description(
      "supervise ComfyUI in the foreground (the Python supervisor's command line: everything after --args or -- goes to ComfyUI)",
    )
    .option(
      '--workspace <path>',
      'the ComfyGit workspace (default: $COMFYGIT_HOME, ~/comfygit, or the one around the current folder)',
    )
    .option('--environment <name>', "the environment to start (default: workspace.json's active_environment)")
    .option('--no-port-check', "wait for ComfyUI's port to be released instead of refusing to start")
    .option(
      '--log-file <path>',
      "write the supervisor's own lines to this file, rotated (log_max_mb, log_keep)",
    )
    .addHelpText(
      'after',
      examples([
        'comfyvisor run --workspace ~/comfygit --environment env1 --args --listen 127.0.0.1 --port 8188',
        'comfyvisor run -- --port 8189',
      ]),
    )
    .action(async (opts: RunOptions) =>
      done((await import('../commands/run.ts')).runCommand(opts, comfyuiArgs)),
    );
}

function registerStatus(program: Command, { done }: ProgramContext): void {
  program
    .command('status')
    .description('is a supervisor running, which environment, ComfyUI pid and uptime, switch progress')
    .option('--workspace <path>', WORKSPACE_HELP)
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples(['comfyvisor status', 'comfyvisor status --json | jq .current_env']))
    .action(async (opts: StatusOptions) => done((await import('../commands/status.ts')).statusCommand(opts)));
  program
    .command('restart')
    .description('restart ComfyUI (synced first) through the running supervisor, after its running prompt')
    .option('--workspace <path>', WORKSPACE_HELP)
    .option('--force', FORCE_HELP)
    .option('--json', 'machine-readable output')
    .action(async (opts: RestartOptions) =>
      done((await import('../commands/control.ts')).restartCommand(opts)),
    );
}

function registerStop(program: Command, { done }: ProgramContext): void {
  program
    .command('stop')
    .description('stop ComfyUI (after its running prompt) and the supervisor, and wait until they are gone')
    .option('--workspace <path>', WORKSPACE_HELP)
    .option('--force', FORCE_HELP)
    .option('--timeout <seconds>', 'how long to wait', numberOption({ min: 0, max: 86_400 }), 30)
    .option('--orphans', 'instead: end the ComfyUI processes an earlier supervisor left behind')
    .option(
      '--grace <seconds>',
      'with --orphans: SIGTERM to SIGKILL (default: stop_grace_s of the config)',
      numberOption({ min: 0, max: 3_600 }),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: StopOptions & StopOrphansOptions & { orphans?: boolean }) =>
      done(
        opts.orphans
          ? (await import('../commands/stop.ts')).stopOrphansCommand(opts)
          : (await import('../commands/control.ts')).stopCommand(opts),
      ),
    );
}

function registerSwitch(program: Command, { done }: ProgramContext): void {
  program
    .command('switch')
    .argument('<environment>', 'the environment to move ComfyUI to')
    .description(
      'switch the running ComfyUI to another environment; shows progress until complete, failed or rolled back',
    )
    .option('--workspace <path>', WORKSPACE_HELP)
    .option(
      '--timeout <seconds>',
      'give up waiting after this long',
      numberOption({ min: 1, max: 86_400 }),
      600,
    )
    .option('--force', FORCE_HELP)
    .option('--json', 'print the final status as JSON')
    .addHelpText(
      'after',
      examples([
        'comfyvisor switch env2',
        'comfyvisor switch flux-dev --json',
        'comfyvisor switch env2 --force',
      ]),
    )
    .action(async (env: string, opts: SwitchOptions) =>
      done((await import('../commands/switch.ts')).switchCommand(env, opts)),
    );
}

/** run, status, restart, stop, switch: starting and steering a supervisor. */
export function register(program: Command, context: ProgramContext): void {
  registerRun(program, context);
  registerStatus(program, context);
  registerStop(program, context);
  registerSwitch(program, context);
}
