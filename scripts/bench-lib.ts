// Shared helpers of the bench scripts (`pnpm bench` and the scripts/bench-*.ts it composes).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { metadataDir, readSwitchStatus, writeSwitchRequest } from '@comfyvisor/ipc-files';
import {
  cleanupWorkspaces,
  type FakeEvent,
  httpJson,
  killTracked,
  type TestWorkspace,
  waitFor,
} from '@comfyvisor/testkit';

export const ROOT = join(import.meta.dirname, '..');
export const CLI = join(ROOT, 'apps', 'cli', 'dist', 'bundle', 'bin.js');

/** esbuild, as the CLI's build has it (a dev dependency of apps/cli, not of the root). */
export const esbuild = (): typeof import('esbuild') =>
  createRequire(join(ROOT, 'apps', 'cli', 'package.json'))('esbuild') as typeof import('esbuild');

/** Float seconds since the epoch, like Python's time.time() (the fake ComfyUI's event times). */
export const now = () => (performance.timeOrigin + performance.now()) / 1000;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : Number.NaN;
}
export const max = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN);

/** Every thread's time on CPU (ns), from the scheduler: finer than utime/stime's 10 ms ticks. */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}

/**
 * A process's idle CPU (ms/s) over `seconds`, cut into windows of `windowS`: the median window is
 * the figure (another tenant's burst on a shared VM lands in one window, not in the figure), the
 * mean is printed beside it.
 */
export async function idleCpu(pid: number, seconds: number, windowS = 10) {
  const windows: number[] = [];
  for (let left = seconds; left > 0; left -= windowS) {
    const span = Math.min(windowS, left);
    const before = cpuNs(pid);
    await sleep(span * 1000);
    windows.push((cpuNs(pid) - before) / 1e6 / span);
  }
  return { median: median(windows), mean: windows.reduce((a, b) => a + b, 0) / windows.length, windows };
}

export interface Memory {
  rss: number;
  anon: number;
  file: number;
}
/** RSS in MB, split in anonymous memory (heaps, stacks) and file pages (mostly the node binary's code). */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** The index of the workspace's last fake ComfyUI event (-1: none yet). */
export async function lastEvent(ws: TestWorkspace): Promise<number> {
  return (await ws.events()).at(-1)?.index ?? -1;
}
export const nextEvent = (ws: TestWorkspace, match: Partial<FakeEvent>, after: number) =>
  ws.waitForEvent(match, { after, timeoutMs: 30_000 });

/** One restart round: the fake ComfyUI on `port` exits 42; resolves with its `exited` event and the
 * next ComfyUI's `started` and `listening` events. */
export async function exit42Round(ws: TestWorkspace, port: number) {
  const from = await lastEvent(ws);
  await httpJson(`http://127.0.0.1:${port}/exit/42`, { method: 'POST' });
  const exited = await nextEvent(ws, { event: 'exited', code: 42 }, from);
  const started = await nextEvent(ws, { event: 'started' }, exited.index);
  const listening = await nextEvent(ws, { event: 'listening' }, started.index);
  return { exited, started, listening };
}

/** One switch round: a request for `target` (from the other of env1/env2), then exit 43; resolves
 * with exit → status `complete` (ms, from the status file's `updated_at`). */
export async function switchRound(ws: TestWorkspace, port: number, target: 'env1' | 'env2'): Promise<number> {
  const dir = metadataDir(ws.root);
  const from = await lastEvent(ws);
  await writeSwitchRequest(dir, { targetEnv: target, sourceEnv: target === 'env2' ? 'env1' : 'env2' });
  await httpJson(`http://127.0.0.1:${port}/exit/43`, { method: 'POST' });
  const exited = await nextEvent(ws, { event: 'exited', code: 43 }, from);
  const done = await waitFor(
    async () => {
      const s = await readSwitchStatus(dir);
      return s?.state === 'complete' && s.targetEnv === target && s.updatedAt / 1000 > exited.time ? s : null;
    },
    { intervalMs: 5, timeoutMs: 30_000 },
  );
  return done.updatedAt - exited.time * 1000;
}

/** Spawns the fake ComfyUI of `env` alone; resolves with spawn → started and spawn → listening (ms). */
export async function ownStart(
  ws: TestWorkspace,
  env: string,
  port: number,
): Promise<{ started: number; listening: number }> {
  const from = await lastEvent(ws);
  const t0 = now();
  const child = spawn(join(ws.envDir(env), '.venv', 'bin', 'python'), ['main.py', '--port', String(port)], {
    cwd: join(ws.envDir(env), 'ComfyUI'),
    stdio: 'ignore',
  });
  const started = await nextEvent(ws, { event: 'started' }, from);
  const listening = await nextEvent(ws, { event: 'listening' }, started.index);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { started: (started.time - t0) * 1000, listening: (listening.time - t0) * 1000 };
}

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** Issue 11's target (≤), or null for a figure shown for context. */
  target?: number | null;
  /** The Python supervisor's figure from issue 11's table. */
  python?: string;
  digits?: number;
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}\n`);
  console.log(
    `${'figure'.padEnd(66)} ${'measured'.padStart(12)} ${'target'.padStart(9)}  ${'python'.padEnd(9)}`,
  );
  for (const row of rows) {
    const target = row.target ?? null;
    const verdict = target === null || Number.isNaN(row.value) ? '' : row.value <= target ? 'ok' : 'OVER';
    const value = `${row.value.toFixed(row.digits ?? 1)} ${row.unit}`;
    console.log(
      `${row.name.padEnd(66)} ${value.padStart(12)} ${(target === null ? '' : `≤ ${target}`).padStart(9)}  ${(row.python ?? '').padEnd(9)} ${verdict}`,
    );
  }
}

/** Runs a bench script's `main`: an error is printed and fails the exit code; every process it
 * started and every workspace it created are cleaned up either way. */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(async () => {
      await killTracked();
      await cleanupWorkspaces();
    });
}
