import { numberOption, resolveWorkspace, runCommandLine, UserError } from '@comfyvisor/cli';
import { detectEnvironment } from '@comfyvisor/detection';
import { Command } from 'commander';
import { requestSwitch } from './request-switch.ts';
import { startBridgeServer } from './serve.ts';
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

  program
    .command('serve')
    .description('serve the panel routes and the dashboard; prints its URL on the first line')
    .option('--workspace <path>', 'the ComfyGit workspace (default: detection)')
    .option('--host <host>', 'address to listen on (loopback unless you say otherwise)', '127.0.0.1')
    .option(
      '--port <port>',
      'port; 0 picks a free one',
      numberOption({ min: 0, max: 65_535, integer: true }),
      0,
    )
    .option(
      '--comfyui-port <port>',
      "ComfyUI's port: its page may call these routes (default: from .startup_state.json, else 8188)",
      numberOption({ min: 1, max: 65_535, integer: true }),
    )
    .action(async (opts: { workspace?: string; host: string; port: number; comfyuiPort?: number }) => {
      const workspace = resolveWorkspace(opts.workspace);
      const { port, comfyuiPort } = opts;
      const server = await startBridgeServer({ workspace, host: opts.host, port, comfyuiPort }).catch(
        (error: NodeJS.ErrnoException) => {
          throw new UserError(error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message);
        },
      );
      process.stdout.write(`${server.url}\n`);
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        process.stderr.write(
          `warning: serving on ${opts.host}: anyone who can reach it can switch and stop ComfyUI\n`,
        );
      }
      process.stdout.write(`dashboard for ${workspace}; Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

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
