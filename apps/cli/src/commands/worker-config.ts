import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '@comfyvisor/ipc-files';
import { UserError } from '../errors.ts';

/** ComfyGit's deploy folder: worker.json, instances.json and worker.pid of `cg-deploy worker`. */
export function deployDir(home: string = homedir()): string {
  return path.join(home, '.config', 'comfygit', 'deploy');
}

/** `worker.json` as `cg-deploy worker setup` writes it. */
export interface WorkerConfig {
  version: string;
  api_key: string;
  workspace_path: string;
  default_mode: string;
  server_port: number;
  instance_port_range: { start: number; end: number };
  [key: string]: unknown;
}

export function workerConfigPath(home?: string): string {
  return path.join(deployDir(home), 'worker.json');
}

/** The config, or null when there is none; a file that is not a JSON object is the user's to fix. */
export function readWorkerConfig(file: string): Partial<WorkerConfig> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const data = JSON.parse(text) as unknown;
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Partial<WorkerConfig>;
  } catch {
    // fall through
  }
  throw new UserError(`${file} is not a JSON object (run \`comfyvisor worker setup\` to write a new one)`);
}

export async function writeWorkerConfig(file: string, config: Partial<WorkerConfig>): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}
