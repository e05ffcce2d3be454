import { chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { newApiKey } from '@comfyvisor/worker';
import { UserError } from '../errors.ts';
import { readWorkerConfig, workerConfigPath, writeWorkerConfig } from './worker-config.ts';

export interface WorkerSetupOptions {
  apiKey?: string;
  workspace?: string;
  /** Where worker.json lives. @default ~/.config/comfygit/deploy */
  stateDir?: string;
}

const configFile = (stateDir?: string) =>
  stateDir ? path.join(path.resolve(stateDir), 'worker.json') : workerConfigPath();

/** `comfyvisor worker setup`: worker.json as cg-deploy writes it (a key is generated if none is given). */
export async function workerSetupCommand(options: WorkerSetupOptions): Promise<number> {
  if (options.apiKey !== undefined && !/^[\x21-\x7e]{8,256}$/.test(options.apiKey)) {
    throw new UserError('--api-key must be 8 to 256 printable characters without spaces');
  }
  const file = configFile(options.stateDir);
  const old = readWorkerConfig(file) ?? {};
  const config = {
    version: '1',
    ...old,
    api_key: options.apiKey ?? newApiKey(),
    workspace_path: path.resolve(options.workspace ?? old.workspace_path ?? path.join(homedir(), 'comfygit')),
    default_mode: old.default_mode ?? 'native',
    server_port: old.server_port ?? 9090,
    instance_port_range: old.instance_port_range ?? { start: 8200, end: 8210 },
  };
  await writeWorkerConfig(file, config);
  chmodSync(file, 0o600);
  process.stdout.write(
    `Worker configured: ${file}\n  workspace: ${config.workspace_path}\n  API key:   ${config.api_key}\n`,
  );
  return 0;
}

/** `comfyvisor worker regenerate-key`: a new key in worker.json (a running worker keeps the old one until restarted). */
export async function workerRegenerateKeyCommand(options: { stateDir?: string }): Promise<number> {
  const file = configFile(options.stateDir);
  const old = readWorkerConfig(file);
  if (!old) throw new UserError(`no worker configured (${file} is missing): run \`comfyvisor worker setup\``);
  const apiKey = newApiKey();
  await writeWorkerConfig(file, { ...old, api_key: apiKey });
  process.stdout.write(`New API key: ${apiKey}\nRestart the worker for it to take effect.\n`);
  return 0;
}
