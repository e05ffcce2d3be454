import type { Command } from 'commander';
import { numberOption } from '../number-option.ts';

const stateDirHelp =
  "where instances.json, worker.json and worker.pid live (default: ~/.config/comfygit/deploy, cg-deploy's)";

/**
 * `comfyvisor worker up|setup|down|status|regenerate-key`: a drop-in for `cg-deploy worker`
 * (same flags, same worker.json), each command loaded only when run.
 */
export function registerWorkerCommands(program: Command, done: (p: Promise<number>) => Promise<void>): void {
  const worker = program
    .command('worker')
    .description("serve ComfyGit's deploy-worker API: many ComfyUI instances on this box, each supervised");
  worker
    .command('up')
    .description('run the worker in the foreground (without flags: the key and workspace of worker.json)')
    .option(
      '--workspace <path>',
      'the ComfyGit workspace (default: $COMFYGIT_HOME, else workspace_path of worker.json)',
    )
    .option('--host <host>', 'address to bind', '0.0.0.0')
    .option('--port <port>', 'API port', numberOption({ min: 0, max: 65_535, integer: true }), 9090)
    .option('--api-key <key>', 'the key clients send as Bearer (default: api_key of worker.json)')
    .option('--mode <mode>', 'instance mode (native; docker is not supported)', 'native')
    .option('--port-range <A:B>', 'ComfyUI ports A..B-1 (A alone: A:A+10)', '8200:8210')
    .option('--state-dir <dir>', stateDirHelp)
    .action(async (opts) => done((await import('./worker-up.ts')).workerUpCommand(opts)));
  worker
    .command('setup')
    .description("write worker.json (as cg-deploy's): a new API key unless given, the workspace")
    .option('--api-key <key>', 'use this key')
    .option('--workspace <path>', 'the ComfyGit workspace (default: ~/comfygit)')
    .option('--state-dir <dir>', stateDirHelp)
    .action(async (opts) => done((await import('./worker-setup.ts')).workerSetupCommand(opts)));
  worker
    .command('down')
    .description('stop the running worker (every instance first) and wait until it is gone')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--timeout <seconds>', 'how long to wait', numberOption({ min: 0, max: 86_400 }), 60)
    .action(async (opts) => done((await import('./worker-status.ts')).workerDownCommand(opts)));
  worker
    .command('status')
    .description('is the worker running; every instance with its state, port, GPU, uptime and restarts')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--api-key <key>', 'the key (default: api_key of worker.json)')
    .option('--json', 'machine-readable output')
    .action(async (opts) => done((await import('./worker-status.ts')).workerStatusCommand(opts)));
  worker
    .command('regenerate-key')
    .description('a new API key in worker.json (restart the worker to use it)')
    .option('--state-dir <dir>', stateDirHelp)
    .action(async (opts) => done((await import('./worker-setup.ts')).workerRegenerateKeyCommand(opts)));
}
