import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFakeCg,
  createWorkspace,
  type FakeCg,
  type FakeCgBehaviour,
  freePort,
  httpJson,
  type TestWorkspace,
  trackPid,
} from '@comfyvisor/testkit';
import {
  openWorker,
  serveWorker,
  type Worker,
  type WorkerOptions,
  type WorkerServer,
} from '@comfyvisor/worker';
import { expect } from 'vitest';

export const KEY = 'cg_wk_0123456789abcdef0123456789abcdef';
export const auth = { authorization: `Bearer ${KEY}` };

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** `size` consecutive ports that are free now, starting at one the OS handed out. */
export async function freeRange(size: number): Promise<{ start: number; end: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = await freePort('0.0.0.0');
    if (start + size > 65_535) continue;
    const all = await Promise.all(Array.from({ length: size }, (_, i) => bindable(start + i)));
    if (all.every(Boolean)) return { start, end: start + size };
  }
  throw new Error('no free port range');
}

export interface Harness {
  ws: TestWorkspace;
  cg: FakeCg;
  stateDir: string;
  worker: Worker;
  server: WorkerServer;
  range: { start: number; end: number };
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): ReturnType<typeof httpJson>;
  waitStatus(id: string, status: string): Promise<any>;
  reopen(extra?: Partial<WorkerOptions>): Promise<void>;
  close(): Promise<void>;
}

const harnesses = new Set<Harness>();

/** A worker on a fresh workspace and state dir with the fake `cg`, served on a port from the OS. */
export async function startHarness(
  options: { ports?: number; cg?: FakeCgBehaviour; worker?: Partial<WorkerOptions>; runCommand?: any } = {},
): Promise<Harness> {
  const ws = await createWorkspace({ environments: [] });
  const cg = await createFakeCg(options.cg ?? {});
  const stateDir = await mkdtemp(join(tmpdir(), 'comfyvisor-worker-state-'));
  const range = await freeRange(options.ports ?? 3);
  const open = (extra: Partial<WorkerOptions> = {}) =>
    openWorker({
      workspace: ws.root,
      stateDir,
      portRange: range,
      env: cg.env(),
      runnerSettings: { stopGraceMs: 2_000, crashBackoffInitialMs: 50, crashMaxRestarts: 2 },
      ...options.worker,
      ...extra,
    });
  const serve = (worker: Worker) =>
    serveWorker({
      worker,
      apiKey: KEY,
      host: '127.0.0.1',
      port: 0,
      version: 'test',
      failureDelay: () => 0,
      ...(options.runCommand ? { runCommand: options.runCommand } : {}),
    });
  const worker = await open();
  const h: Harness = {
    ws,
    cg,
    stateDir,
    worker,
    server: await serve(worker),
    range,
    api(method, path, body, headers = auth) {
      return httpJson(`${h.server.url}${path}`, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    },
    async waitStatus(id, status) {
      let last: any;
      await expect
        .poll(
          async () => {
            last = (await h.api('GET', `/api/v1/instances/${id}`)).body;
            if (last?.pid) trackPid(last.pid);
            return last?.status;
          },
          { timeout: 20_000, interval: 20 },
        )
        .toBe(status);
      return last;
    },
    async reopen(extra) {
      await h.server.close();
      await h.worker.close();
      h.worker = await open(extra);
      h.server = await serve(h.worker);
    },
    async close() {
      harnesses.delete(h);
      await h.server.close();
      await h.worker.close();
      await cg.cleanup();
      await ws.cleanup();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  harnesses.add(h);
  return h;
}

export async function closeHarnesses(): Promise<void> {
  await Promise.all([...harnesses].map((h) => h.close()));
}

/** The environment variables of a live process (Linux /proc). */
export function environOf(pid: number): Record<string, string> {
  const text = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    text
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}
