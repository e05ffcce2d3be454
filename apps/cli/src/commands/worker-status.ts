import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCK_FILE, readStateFile } from '@comfyvisor/worker';
import { formatDuration, printJson } from '../output.ts';
import { deployDir, readWorkerConfig } from './worker-config.ts';
import { PORT_FILE } from './worker-up.ts';

export interface WorkerStatusOptions {
  stateDir?: string;
  apiKey?: string;
  json?: boolean;
}

function readNumber(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function liveInstances(port: number, key: string): Promise<Record<string, unknown>[] | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/instances`, {
      headers: { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(3_000),
    });
    if (!res.ok) return null;
    return ((await res.json()) as { instances: Record<string, unknown>[] }).instances;
  } catch {
    return null;
  }
}

/** `comfyvisor worker status`: RUNNING or not, the config, and every instance (state, port, GPU, uptime, restarts). */
export async function workerStatusCommand(options: WorkerStatusOptions): Promise<number> {
  const stateDir = path.resolve(options.stateDir ?? deployDir());
  const config = readWorkerConfig(path.join(stateDir, 'worker.json'));
  const pid = readNumber(path.join(stateDir, LOCK_FILE));
  const running = alive(pid);
  const port = running ? readNumber(path.join(stateDir, PORT_FILE)) : null;
  const key = options.apiKey ?? (typeof config?.api_key === 'string' ? config.api_key : null);
  const live = port !== null && key ? await liveInstances(port, key) : null;
  const saved = (await readStateFile(stateDir)).instances.map((i) => ({
    id: i.id,
    name: i.name,
    status: i.status,
    assigned_port: i.assignedPort,
    cuda_visible_devices: i.cudaVisibleDevices,
    uptime_seconds: null,
    restarts: null,
  }));
  const instances = live ?? saved;
  if (options.json) {
    printJson({
      running,
      pid: running ? pid : null,
      api_port: port,
      state_dir: stateDir,
      workspace_path: config?.workspace_path ?? null,
      instances,
    });
    return running ? 0 : 3;
  }
  const lines = [
    `Worker: ${running ? `RUNNING (pid ${pid}${port ? `, API port ${port}` : ''})` : 'STOPPED'}`,
    `State dir: ${stateDir}`,
    `Workspace: ${config?.workspace_path ?? '(not configured)'}`,
    `Instances: ${instances.length}${live ? '' : ' (as saved)'}`,
  ];
  for (const i of instances) {
    const uptime =
      typeof i.uptime_seconds === 'number' && i.status === 'running' ? formatDuration(i.uptime_seconds) : '-';
    lines.push(
      `  ${String(i.id)}  ${String(i.status).padEnd(9)}  port ${String(i.assigned_port)}  GPU ${String(i.cuda_visible_devices ?? 'all')}  up ${uptime}  restarts ${i.restarts ?? '-'}  ${String(i.name)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return running ? 0 : 3;
}

/** `comfyvisor worker down`: SIGTERM to the worker in worker.pid, and wait until it is gone. */
export async function workerDownCommand(options: { stateDir?: string; timeout?: number }): Promise<number> {
  const stateDir = path.resolve(options.stateDir ?? deployDir());
  const pid = readNumber(path.join(stateDir, LOCK_FILE));
  if (!alive(pid) || pid === null) {
    process.stdout.write('No worker is running.\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeout ?? 60) * 1000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) {
    process.stderr.write(`worker (pid ${pid}) still running after ${options.timeout ?? 60} s\n`);
    return 1;
  }
  process.stdout.write(`Worker stopped (pid ${pid}).\n`);
  return 0;
}
