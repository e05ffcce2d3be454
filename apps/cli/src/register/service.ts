import { type Command, Option } from 'commander';
import type { ServiceInstallOptions, ServiceUninstallOptions } from '../commands/service.ts';
import { examples, type ProgramContext } from './context.ts';

/** The options both subcommands take: they name the same service the same way (service-target.ts). */
function serviceOptions(command: Command): Command {
  return command
    .option('--workspace <path>', 'the ComfyGit workspace the service runs')
    .option('--name <name>', 'the service name', 'comfyvisor')
    .option('--user', "systemd: the user's own service manager instead of the system's")
    .option('--dry-run', 'print what would be done, change nothing')
    .addOption(new Option('--unit-dir <dir>', 'write here instead (tests)').hideHelp())
    .addOption(new Option('--kind <kind>', 'systemd or launchd (default: by platform)').hideHelp());
}

/** service install | uninstall: comfyvisor under systemd or launchd. */
export function register(program: Command, { comfyuiArgs, done }: ProgramContext): void {
  const service = program
    .command('service')
    .description('run comfyvisor under systemd (Linux) or launchd (macOS)');
  serviceOptions(
    service
      .command('install')
      .description(
        'write a service that runs `comfyvisor run` (everything after -- goes to ComfyUI); --workspace is required',
      ),
  )
    .option('--environment <name>', "the environment to start (default: workspace.json's active_environment)")
    .addHelpText(
      'after',
      examples([
        'sudo comfyvisor service install --workspace /srv/comfygit -- --listen 0.0.0.0 --port 8188',
        'comfyvisor service install --user --workspace ~/comfygit --environment flux --name comfyui-flux',
      ]),
    )
    .action(async (opts: ServiceInstallOptions) =>
      done((await import('../commands/service.ts')).serviceInstallCommand(opts, comfyuiArgs)),
    );
  serviceOptions(
    service
      .command('uninstall')
      .description(
        'remove a service written by `service install` (with --workspace: only if it runs that workspace)',
      ),
  ).action(async (opts: ServiceUninstallOptions) =>
    done((await import('../commands/service.ts')).serviceUninstallCommand(opts)),
  );
}
