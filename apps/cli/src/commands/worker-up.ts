import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openWorker, parsePortRange, serveWorker } from '@comfyvisor/worker';
import { UserError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { deployDir, readWorkerConfig } from './worker-config.ts';

export interface WorkerUpOptions {
  workspace?: string;
  host?: string;
  port?: number;
  apiKey?: string;
  mode?: string;
  portRange?: string;
  stateDir?: string;
}

/** Where the API listens, for `worker status` (beside worker.pid). */
export const PORT_FILE = 'worker.port';

function resolveUp(options: WorkerUpOptions) {
  const stateDir = path.resolve(options.stateDir ?? deployDir());
  const file = path.join(stateDir, 'worker.json');
  const config = options.apiKey && options.workspace ? null : readWorkerConfig(file);
  const apiKey = options.apiKey ?? config?.api_key;
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new UserError(`no API key: pass --api-key or run \`comfyvisor worker setup\` (reads ${file})`);
  }
  const fromFile = typeof config?.workspace_path === 'string' ? config.workspace_path : undefined;
  const workspace = options.workspace ?? process.env.COMFYGIT_HOME ?? fromFile;
  if (!workspace) throw new UserError('no workspace: pass --workspace or run `comfyvisor worker setup`');
  const mode = options.mode ?? 'native';
  if (mode === 'docker') throw new UserError('docker mode is not supported by comfyvisor; use --mode native');
  if (mode !== 'native') throw new UserError(`unknown --mode "${mode}" (native)`);
  const portRange = parsePortRange(options.portRange ?? '8200:8210');
  if (!portRange)
    throw new UserError(`--port-range must be A:B with A < B (or A), got "${options.portRange}"`);
  return { stateDir, apiKey, workspace: path.resolve(workspace), portRange };
}

/**
 * `comfyvisor worker up`: serves ComfyGit's worker API in the foreground, each instance supervised;
 * SIGTERM or SIGINT stops every instance, then the worker.
 */
export async function workerUpCommand(options: WorkerUpOptions): Promise<number> {
  const { stateDir, apiKey, workspace, portRange } = resolveUp(options);
  const log = (line: string) => process.stderr.write(`[worker] ${line}\n`);
  const worker = await openWorker({
    workspace,
    stateDir,
    portRange,
    defaultMode: 'native',
    logger: { debug() {}, info: log, warn: log, error: log },
  }).catch((error: { code?: string; message: string }) => {
    if (error.code === 'STATE_DIR_LOCKED') throw new UserError(error.message);
    throw error;
  });
  let server: Awaited<ReturnType<typeof serveWorker>>;
  try {
    server = await serveWorker({
      worker,
      apiKey,
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 9090,
      version: VERSION,
    });
  } catch (error) {
    await worker.close();
    throw new UserError(
      `cannot listen on ${options.host ?? '0.0.0.0'}:${options.port ?? 9090} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  writeFileSync(path.join(stateDir, PORT_FILE), `${server.port}\n`);
  process.stdout.write(
    `comfyvisor worker on http://${options.host ?? '0.0.0.0'}:${server.port} (workspace ${workspace}, ports ${portRange.start}-${portRange.end - 1}, state ${stateDir})\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`${signal}: stopping every instance`);
  await server.close();
  await worker.close();
  rmSync(path.join(stateDir, PORT_FILE), { force: true });
  return 0;
}
