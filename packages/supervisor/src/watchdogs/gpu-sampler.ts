import { execFile } from 'node:child_process';
import type { Logger } from '../logger.ts';
import { createCommandShell } from './command-shell.ts';

/**
 * What `nvidia-smi` says about ComfyUI's GPU memory (config `restart_vram_mb`, metric
 * `comfyvisor_comfyui_gpu_memory_bytes`). Only the lines of the given pids (ComfyUI's process tree)
 * count; bytes are exactly MiB × 1048576. When nvidia-smi is not on PATH the answer is `unavailable`
 * for good, said once in the log, and nothing is spawned again.
 */
export type GpuSample =
  | { kind: 'ok'; bytes: number; processes: number }
  | { kind: 'unavailable' }
  | { kind: 'failed'; reason: string };

export interface GpuSampler {
  /** GPU memory used by `pids`, from `--query-compute-apps=pid,used_memory`. */
  sample(pids: ReadonlySet<number>): Promise<GpuSample>;
  /** The first GPU's name (`--query-gpu=name`), or null when nvidia-smi cannot tell. */
  gpuName(): Promise<string | null>;
  /** Ends the shell that runs nvidia-smi (a later sample starts another). */
  close(): void;
}

export interface GpuSamplerOptions {
  /** @default 'nvidia-smi' (looked up on the PATH of `env`) */
  command?: string | undefined;
  /** @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** Each run of nvidia-smi is killed after this long. @default 5000 */
  timeoutMs?: number | undefined;
  /** Told once that nvidia-smi is missing, and once per run of failures. */
  logger?: Logger | undefined;
}

export const MIB = 1_048_576;
const COMPUTE_APPS = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'];
const GPU_NAME = ['--query-gpu=name', '--format=csv,noheader'];

/**
 * Sums `used_memory` (MiB, integers) of the lines whose pid is in `pids`. Lines that are not
 * `<pid>, <MiB>` (a header, `[N/A]`, `[Not Supported]`) are skipped.
 */
export function parseComputeApps(
  text: string,
  pids: ReadonlySet<number>,
): { bytes: number; processes: number } {
  let mib = 0;
  let processes = 0;
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(line);
    if (!match || !pids.has(Number(match[1]))) continue;
    mib += Number(match[2]);
    processes++;
  }
  return { bytes: mib * MIB, processes };
}

type Run = { kind: 'ok'; stdout: string } | { kind: 'unavailable' } | { kind: 'failed'; reason: string };

/**
 * One run of `command` (looked up on `env`'s PATH), killed after `timeoutMs`, where there is no
 * shell to run it (Windows). Node's own execFile, not execa: execa costs ~15 MB of RSS.
 */
function execute(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ kind: 'ok'; stdout: string } | { kind: 'missing' } | { kind: 'failed'; reason: string }> {
  return new Promise((resolve) => {
    const options = { env, timeout: timeoutMs, killSignal: 'SIGKILL' as const, maxBuffer: 1024 * 1024 };
    const child = execFile(command, args, options, (error, stdout) => {
      if (!error) return resolve({ kind: 'ok', stdout: String(stdout) });
      const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
      if (e.code === 'ENOENT') return resolve({ kind: 'missing' });
      const reason = e.killed
        ? `timed out after ${timeoutMs} ms`
        : typeof e.code === 'number'
          ? `exit code ${e.code}`
          : String(e.message).split('\n')[0]?.slice(0, 200) || 'failed';
      resolve({ kind: 'failed', reason });
    });
    child.stdin?.end();
  });
}

export function createGpuSampler(options: GpuSamplerOptions = {}): GpuSampler {
  const command = options.command ?? 'nvidia-smi';
  const timeoutMs = options.timeoutMs ?? 5000;
  let unavailable = false;
  let failing = false;

  const env = options.env ?? process.env;
  // Windows has no /bin/sh: there node forks for each run
  const shell = process.platform === 'win32' ? null : createCommandShell(command, { env, timeoutMs });
  const run = async (args: string[]): Promise<Run> => {
    if (unavailable) return { kind: 'unavailable' };
    const result = shell ? await shell.run(args) : await execute(command, args, env, timeoutMs);
    if (result.kind === 'missing') {
      unavailable = true;
      options.logger?.info(`${command} is not on PATH: the VRAM watchdog and the GPU figure are off`);
      return { kind: 'unavailable' };
    }
    if (result.kind === 'failed') {
      if (!failing) options.logger?.warn(`${command} failed: ${result.reason}`);
      failing = true;
      return result;
    }
    if (failing) options.logger?.info(`${command} answers again`);
    failing = false;
    return result;
  };

  return {
    async sample(pids) {
      const answer = await run(COMPUTE_APPS);
      if (answer.kind !== 'ok') return answer;
      return { kind: 'ok', ...parseComputeApps(answer.stdout, pids) };
    },
    async gpuName() {
      const answer = await run(GPU_NAME);
      if (answer.kind !== 'ok') return null;
      const first = answer.stdout.split('\n')[0]?.trim() ?? '';
      return first.length > 0 ? first.slice(0, 200) : null;
    },
    close() {
      shell?.close();
    },
  };
}
