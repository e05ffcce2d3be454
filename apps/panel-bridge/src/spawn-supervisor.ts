import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isSupervisorProcess } from '@comfyvisor/detection';
import { FILE_NAMES, metadataDir, readPidFile } from '@comfyvisor/ipc-files';
import { SupervisorSpawnError } from './errors.ts';

/** Our own CLI's entry (`comfyvisor`), run with this Node, never an environment's Python. */
export function cliBinPath(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@comfyvisor/cli/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  return path.join(path.dirname(pkgPath), pkg.bin.comfyvisor as string);
}

export interface SpawnSupervisorOptions {
  workspace: string;
  environment: string;
  /** ComfyUI's own arguments. */
  args: string[];
  /** How long to wait for the pid file to show it alive. @default 10000 */
  timeoutMs?: number | undefined;
  /** @default process.env (COMFYGIT_SUPERVISED removed) */
  env?: NodeJS.ProcessEnv | undefined;
}

// A FIFO at the log's path fails (ENXIO) instead of blocking this thread in open(2); a symlink is not followed.
const LOG_FLAGS =
  constants.O_WRONLY |
  constants.O_APPEND |
  constants.O_CREAT |
  (constants.O_NONBLOCK ?? 0) |
  (constants.O_NOFOLLOW ?? 0);

function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trim();
  } catch {
    return '';
  }
}

/**
 * Starts `comfyvisor run --workspace W --environment E --args …` fully detached: its own session,
 * stdin ignored, its log lines in `.metadata/orchestrator.log` (rotated by the supervisor; stderr
 * appended there too, for what is said before the log is open), unref'd, so it
 * outlives the process that started it. Resolves once the pid file names it alive; rejects with
 * the log's last lines when it dies first.
 */
export async function spawnSupervisor(
  options: SpawnSupervisorOptions,
): Promise<{ pid: number; logFile: string }> {
  const dir = metadataDir(options.workspace);
  const logFile = path.join(dir, FILE_NAMES.log);
  const out = openSync(logFile, LOG_FLAGS, 0o644);
  const env = { ...(options.env ?? process.env) };
  delete env.COMFYGIT_SUPERVISED;
  const child = spawn(
    process.execPath,
    [
      cliBinPath(),
      'run',
      '--no-port-check',
      '--workspace',
      options.workspace,
      '--environment',
      options.environment,
      '--log-file',
      logFile,
      '--args',
      ...options.args,
    ],
    { detached: true, stdio: ['ignore', 'ignore', out], env, cwd: options.workspace },
  );
  closeSync(out);
  const pid = child.pid;
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
  });
  child.once('error', () => {
    exitCode = -1;
  });
  child.unref();
  if (pid === undefined) throw new SupervisorSpawnError('could not start the supervisor', logTail(logFile));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) break;
    if ((await readPidFile(dir)) === pid && isSupervisorProcess(pid)) return { pid, logFile };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const tail = logTail(logFile);
  const why = exitCode !== undefined ? `exited with code ${exitCode}` : 'did not come up in time';
  if (exitCode === undefined) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  throw new SupervisorSpawnError(`the supervisor ${why}: ${tail.split('\n').at(-1) ?? ''}`, tail);
}
