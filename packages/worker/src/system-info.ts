import { execFile } from 'node:child_process';

export interface GpuInfo {
  /** The first GPU's name, or null without `nvidia-smi` (or without a GPU). */
  name: string | null;
  names: string[];
  count: number;
}

/** Runs a command and gives its stdout, or null on any failure (missing, non-zero, timeout). */
export type RunCommand = (command: string, args: string[]) => Promise<string | null>;

export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 5_000, maxBuffer: 256 * 1024 }, (error, stdout) =>
      resolve(error ? null : String(stdout)),
    );
  });

/** `nvidia-smi --query-gpu=name --format=csv,noheader`, one name a line. */
export async function queryGpus(run: RunCommand = runCommand): Promise<GpuInfo> {
  const out = await run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader']);
  const names = (out ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, 64);
  return { name: names[0] ?? null, names, count: names.length };
}

/** Whether a docker daemon answers (`docker info`). Docker mode itself is not supported. */
export async function queryDocker(
  run: RunCommand = runCommand,
): Promise<{ available: boolean; version: string | null }> {
  const out = await run('docker', ['version', '--format', '{{.Server.Version}}']);
  const version = out?.trim() || null;
  return { available: version !== null, version };
}

/** Caches an async lookup for `ttlMs` (GPU names do not change while the worker runs). */
export function cached<T>(
  lookup: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let value: Promise<T> | null = null;
  let at = 0;
  return () => {
    if (!value || now() - at > ttlMs) {
      value = lookup();
      at = now();
    }
    return value;
  };
}
