import { resolveWorkspace, runCommandLine } from '@comfyvisor/cli';
import { detectEnvironment } from '@comfyvisor/detection';
import { Command } from 'commander';
import { requestSwitch } from './request-switch.ts';
import { addServeCommand } from './serve-command.ts';
import { supervisorStatus } from './supervisor-proxy.ts';
import { VERSION } from './version.ts';

/** Runs `comfyvisor-bridge` on argv (without node and script); resolves with the exit code. */
export async function bridgeMain(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const comfyuiArgs = dash === -1 ? undefined : argv.slice(dash + 1);
  let exitCode = 0;
  const program = new Command('comfyvisor-bridge')
    .description(
      "What the ComfyGit panel and ComfyUI's side need from comfyvisor: lazy supervision, the panel's HTTP routes, a dashboard.",
    )
    .version(VERSION);

  addServeCommand(program);

  program
    .command('switch')
    .argument('<environment>', 'the environment to switch to')
    .description(
      'ask for a switch (for a ComfyUI custom node): spawns a supervisor when none runs; ComfyUI args after --',
    )
    .option('--workspace <path>', 'the ComfyGit workspace (default: detection)')
    .option('--json', 'machine-readable output')
    .action(async (target: string, opts: { workspace?: string; json?: boolean }) => {
      const workspace = resolveWorkspace(opts.workspace);
      const here = detectEnvironment();
      const source = here.managed && here.workspace === workspace ? here.environment.name : null;
      const result = await requestSwitch({ target, workspace, source, args: comfyuiArgs, caller: 'comfyui' });
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else if (result.status === 'switching') {
        process.stdout.write(
          `switching to ${target}${result.spawned ? ` (supervisor started, pid ${result.spawned.pid})` : ''}; next: ${result.next}\n`,
        );
      } else process.stderr.write(`comfyvisor-bridge: ${result.message}\n`);
      exitCode = result.status === 'switching' ? 0 : result.status === 'busy' ? 3 : 1;
    });

  program
    .command('status')
    .description("the supervisor's status, or the status file when no supervisor answers")
    .option('--workspace <path>', 'the ComfyGit workspace (default: detection)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { workspace?: string; json?: boolean }) => {
      const status = await supervisorStatus(resolveWorkspace(opts.workspace));
      process.stdout.write(
        opts.json ? `${JSON.stringify(status)}\n` : `${status.state}: ${status.message ?? ''}\n`,
      );
    });

  const parsed = await runCommandLine(program, own);
  return parsed === 0 ? exitCode : parsed;
}
