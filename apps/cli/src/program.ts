import { Command, Option } from 'commander';
import { registerWorkerCommands } from './commands/worker.ts';
import { UserError } from './errors.ts';
import { numberOption } from './number-option.ts';
import { VERSION } from './version.ts';

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/** The `comfyvisor` command line. Each action resolves with the process exit code. */
export function buildProgram(comfyuiArgs: string[], setExitCode: (code: number) => void): Command {
  const program = new Command('comfyvisor')
    .description(
      'Keeps ComfyUI running in a ComfyGit workspace: restarts, environment switches with health checks and rollback.',
    )
    .version(VERSION);
  const done = (p: Promise<number>) => p.then(setExitCode);

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
    .action(async (opts) => done((await import('./commands/run.ts')).runCommand(opts, comfyuiArgs)));

  program
    .command('status')
    .description('is a supervisor running, which environment, ComfyUI pid and uptime, switch progress')
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples(['comfyvisor status', 'comfyvisor status --json | jq .current_env']))
    .action(async (opts) => done((await import('./commands/status.ts')).statusCommand(opts)));

  program
    .command('restart')
    .description('restart ComfyUI (synced first) through the running supervisor')
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--json', 'machine-readable output')
    .action(async (opts) => done((await import('./commands/control.ts')).restartCommand(opts)));

  program
    .command('stop')
    .description('stop ComfyUI and the supervisor, and wait until they are gone')
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--timeout <seconds>', 'how long to wait', numberOption({ min: 0, max: 86_400 }), 30)
    .option('--orphans', 'instead: end the ComfyUI processes an earlier supervisor left behind')
    .option(
      '--grace <seconds>',
      'with --orphans: SIGTERM to SIGKILL (default: stop_grace_s of the config)',
      numberOption({ min: 0, max: 3_600 }),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts) =>
      done(
        opts.orphans
          ? (await import('./commands/stop.ts')).stopOrphansCommand(opts)
          : (await import('./commands/control.ts')).stopCommand(opts),
      ),
    );

  program
    .command('switch')
    .argument('<environment>', 'the environment to move ComfyUI to')
    .description(
      'switch the running ComfyUI to another environment; shows progress until complete, failed or rolled back',
    )
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option(
      '--timeout <seconds>',
      'give up waiting after this long',
      numberOption({ min: 1, max: 86_400 }),
      600,
    )
    .option('--json', 'print the final status as JSON')
    .addHelpText('after', examples(['comfyvisor switch env2', 'comfyvisor switch flux-dev --json']))
    .action(async (env, opts) => done((await import('./commands/switch.ts')).switchCommand(env, opts)));

  program
    .command('logs')
    .description("ComfyUI's output as kept by the supervisor")
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('-f, --follow', 'keep printing new output')
    .option(
      '-n, --lines <count>',
      'how many lines to show first',
      numberOption({ min: 0, max: 1_000_000, integer: true }),
      100,
    )
    .option('--supervisor', "the detached supervisor's own log (orchestrator.log) instead")
    .action(async (opts) => done((await import('./commands/logs.ts')).logsCommand(opts)));

  program
    .command('events')
    .description('what the supervisor did: starts, exits, restarts and why, switches, syncs, give-ups')
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--since <duration>', 'only the last 30m, 1h, 2d, …')
    .option('--json', 'the events as JSON lines, as in events.jsonl')
    .option('-f, --follow', 'keep printing new events')
    .addHelpText(
      'after',
      examples(['comfyvisor events --since 12h', 'comfyvisor events -f --json | jq .type']),
    )
    .action(async (opts) => done((await import('./commands/events.ts')).eventsCommand(opts)));

  program
    .command('detect')
    .description('what comfyvisor sees from here: workspace, managed or not, environments, supervisor')
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--json', 'machine-readable output')
    .action(async (opts) => done((await import('./commands/detect.ts')).detectCommand(opts)));

  program
    .command('probe')
    .argument('<kind>', 'live (the supervisor answers) or ready (ComfyUI serves, no switch under way)')
    .description('exit 0 or 1 for exec probes (Kubernetes, scripts); one line of output')
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option(
      '--timeout <ms>',
      'the whole probe must finish within this',
      numberOption({ min: 1, max: 3_600_000, integer: true }),
      3000,
    )
    .addHelpText('after', examples(['comfyvisor probe live', 'comfyvisor probe ready --timeout 5000']))
    .action(async (kind, opts) => done((await import('./commands/probe.ts')).probeCommand(kind, opts)));

  const service = program
    .command('service')
    .description('run comfyvisor under systemd (Linux) or launchd (macOS)');
  const serviceOptions = (command: Command) =>
    command
      .option('--name <name>', 'the service name', 'comfyvisor')
      .option('--user', "systemd: the user's own service manager instead of the system's")
      .option('--dry-run', 'print what would be done, change nothing')
      .addOption(new Option('--unit-dir <dir>', 'write here instead (tests)').hideHelp())
      .addOption(new Option('--kind <kind>', 'systemd or launchd (default: by platform)').hideHelp());
  serviceOptions(
    service
      .command('install')
      .description('write a service that runs `comfyvisor run` (everything after -- goes to ComfyUI)')
      .option('--workspace <path>', 'the ComfyGit workspace (required)')
      .option(
        '--environment <name>',
        "the environment to start (default: workspace.json's active_environment)",
      ),
  )
    .addHelpText(
      'after',
      examples([
        'sudo comfyvisor service install --workspace /srv/comfygit -- --listen 0.0.0.0 --port 8188',
        'comfyvisor service install --user --workspace ~/comfygit --environment flux --name comfyui-flux',
      ]),
    )
    .action(async (opts) =>
      done((await import('./commands/service.ts')).serviceInstallCommand(opts, comfyuiArgs)),
    );
  serviceOptions(
    service.command('uninstall').description('remove a service written by `service install`'),
  ).action(async (opts) => done((await import('./commands/service.ts')).serviceUninstallCommand(opts)));

  program
    .command('setup')
    .description("create the tooling venv with ComfyGit's `cg` (used to sync environments before a start)")
    .option('--workspace <path>', 'the ComfyGit workspace')
    .option('--package <spec...>', 'install these instead of comfygit (a path to a wheel works)')
    .option('--offline', 'do not use a package index (pip --no-index)')
    .option('--find-links <dir>', 'a folder of wheels to install from')
    .option('--json', 'machine-readable output')
    .action(async (opts) => done((await import('./commands/setup.ts')).setupCommand(opts)));

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
    .action(async (opts) => done((await import('./commands/demo.ts')).demoCommand(opts)));

  registerWorkerCommands(program, done);

  program.on('command:*', (operands: string[]) => {
    throw new UserError(`unknown command "${operands[0]}" (see comfyvisor --help)`, 2);
  });
  return program;
}
