// The fake ComfyUI's extras for watchdogs (a printed line, memory growth), the fake nvidia-smi,
// and the shared vitest setup that cleans up after each test.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildFakeNvidiaSmi,
  createWorkspace,
  freePort,
  growFake,
  isAlive,
  printOnFake,
  readFakeRecord,
  tempWorkspace,
  track,
} from '../../src/index.ts';
import { outputLines, startFake } from './start-fake.ts';

const CUDA = 'CUDA error: an illegal memory access was encountered';

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)?.[1];
  return Number(line) / 1024;
}

describe('fake ComfyUI: lines and memory on demand', () => {
  it('prints a configured line after N ms, and any line when asked', async () => {
    const ws = await createWorkspace({
      behaviour: { env1: { printAfter: [{ afterMs: 300, line: CUDA, stream: 'stderr' }] } },
    });
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port)]);
    const lines = outputLines(child);
    const listening = await ws.waitForEvent({ event: 'listening' });
    const printed = await ws.waitForEvent({ event: 'printed' });
    expect(printed).toMatchObject({ line: CUDA, stream: 'stderr' });
    expect(printed.time - listening.time).toBeGreaterThanOrEqual(0.29);
    await expect.poll(() => lines.includes(CUDA), { timeout: 5_000 }).toBe(true);
    await printOnFake(port, 'torch.OutOfMemoryError: CUDA out of memory.');
    await expect.poll(() => lines.includes('torch.OutOfMemoryError: CUDA out of memory.')).toBe(true);
  });

  it('grows its resident memory by N MB on request', async () => {
    const ws = await createWorkspace();
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port)]);
    await ws.waitForEvent({ event: 'listening' });
    const before = rssMb(child.pid as number);
    const reported = await growFake(port, 64);
    expect(rssMb(child.pid as number) - before).toBeGreaterThanOrEqual(60);
    expect(reported).toBeGreaterThanOrEqual(before + 60);
  });

  it('grows steadily with growRssMbPerS (FAKE_COMFYUI_GROW_MB_PER_S works the same)', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { growRssMbPerS: 20 } } });
    const child = startFake(ws, 'env1', ['--port', String(await freePort())]);
    await ws.waitForEvent({ event: 'listening' });
    const first = await ws.waitForEvent({ event: 'grew' });
    const third = await ws.waitForEvent((e) => e.event === 'grew' && e.index > first.index + 1);
    expect(Number(third.rss_mb) - Number(first.rss_mb)).toBeGreaterThanOrEqual(36);
    expect(rssMb(child.pid as number)).toBeGreaterThanOrEqual(Number(third.rss_mb) - 1);
    const grew = (await readFakeRecord(ws.eventsFile)).filter((r) => r.event === 'grew');
    expect(grew.every((r) => r.mb === 20)).toBe(true);
  });
});

describe('fake nvidia-smi', () => {
  const run = (path: string, args: string[]) => {
    try {
      return { code: 0, out: execFileSync(path, args, { encoding: 'utf8' }) };
    } catch (error) {
      const e = error as { status: number; stdout: string };
      return { code: e.status, out: e.stdout };
    }
  };

  it('answers the compute-apps and GPU-name queries with the configured values, changed at will', () => {
    const smi = buildFakeNvidiaSmi({
      apps: [
        { pid: 1234, usedMiB: 5120 },
        { pid: 99, usedMiB: 12 },
      ],
    });
    const apps = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'];
    expect(run(smi.path, apps)).toEqual({ code: 0, out: '1234, 5120\n99, 12\n' });
    expect(run(smi.path, ['--query-gpu=name', '--format=csv,noheader'])).toEqual({
      code: 0,
      out: 'NVIDIA GeForce RTX 4090\n',
    });
    const viaPath = execFileSync('nvidia-smi', apps, {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${smi.dir}:${process.env.PATH}` },
    });
    expect(viaPath).toBe('1234, 5120\n99, 12\n');
    smi.set({ gpus: ['A', 'B'], apps: [] });
    expect(run(smi.path, apps)).toEqual({ code: 0, out: '' });
    expect(run(smi.path, ['--query-gpu=name', '--format=csv,noheader']).out).toBe('A\nB\n');
    smi.set({ failWith: 9 });
    expect(run(smi.path, apps).code).toBe(9);
    smi.set({});
    expect(run(smi.path, ['--bogus']).code).toBe(2);
  });
});

describe('the shared vitest setup (vitest-setup.ts)', () => {
  const left: { pid?: number; workspace?: string; fakeRoot?: string } = {};

  it('(part 1) a test tracks a process and makes folders, and cleans nothing up itself', async () => {
    const ws = await createWorkspace();
    const sleeper = track(startFake(ws, 'env1', ['--port', String(await freePort())]));
    await ws.waitForEvent({ event: 'listening' });
    left.pid = sleeper.pid as number;
    left.workspace = tempWorkspace();
    left.fakeRoot = ws.root;
    expect(isAlive(left.pid)).toBe(true);
  });

  it('(part 2) after it, the process is dead and the folders are gone', async () => {
    expect(left.pid).toBeTypeOf('number');
    await expect.poll(() => isAlive(left.pid as number), { timeout: 5_000 }).toBe(false);
    expect(existsSync(left.workspace as string)).toBe(false);
    expect(existsSync(left.fakeRoot as string)).toBe(false);
  });
});
