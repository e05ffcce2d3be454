// `tsx scripts/bench-worker.ts` (after `pnpm turbo run build --filter=@comfyvisor/cli...`): the figures
// of issue 19 for `comfyvisor worker up` against the fake ComfyUI and a fake `cg`, beside the Python
// worker's. Prints medians (never asserts: this machine is shared and noisy).
// BENCH_INSTANCES (8), BENCH_CLIENTS (50), BENCH_REQUESTS (40 per client), BENCH_IDLE_S (10).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeCg, createWorkspace, freePort, httpJson, track, waitFor } from '@comfyvisor/testkit';
import WebSocket from 'ws';
import { CLI, cpuNs, max, median, memoryOf, printTable, runBench, sleep } from './bench-lib.ts';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 10);
const KEY = 'cg_wk_bench000000000000000000000000000';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;

async function main() {
  const ws = await createWorkspace({ environments: [] });
  const cg = await createFakeCg({ behaviour: { '/srv/loud': { ignoreSigterm: true } } });
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-worker-'));
  const port = await freePort();
  const range = await freePort('0.0.0.0');
  const worker = track(
    spawn(
      process.execPath,
      [
        CLI,
        'worker',
        'up',
        '--workspace',
        ws.root,
        '--api-key',
        KEY,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--port-range',
        `${range}:${range + INSTANCES + 1}`,
        '--state-dir',
        stateDir,
      ],
      {
        env: cg.env() as NodeJS.ProcessEnv,
        stdio: 'ignore',
        detached: true,
      },
    ),
  );
  const base = `http://127.0.0.1:${port}/api/v1`;
  const api = (method: string, path: string, body?: unknown) =>
    httpJson(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  await waitFor(async () => (await api('GET', '/health').catch(() => null))?.status === 200, {
    timeoutMs: 20_000,
  });

  // deploy -> running, beyond the fake's own start (its `listening` event)
  const deployBeyond: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const { body } = await api('POST', '/instances', { import_source: i === 0 ? '/srv/loud' : `/srv/e${i}` });
    ids.push(body.id);
    let seen = 0;
    await waitFor(
      async () => {
        const got = (await api('GET', `/instances/${body.id}`)).body;
        seen = Date.now() / 1000;
        return got.status === 'running';
      },
      { timeoutMs: 30_000, intervalMs: 2 },
    );
    const listening = (await ws.events()).find((e) => e.event === 'listening' && e.env === body.name);
    if (listening) deployBeyond.push(seen - listening.time);
  }

  // start -> running and answering (stop first); the part beyond the fake's own start too
  const startTotal: number[] = [];
  const startBeyond: number[] = [];
  for (const id of ids.slice(1, 6)) {
    await api('POST', `/instances/${id}/stop`);
    const t0 = Date.now() / 1000;
    const res = await api('POST', `/instances/${id}/start`);
    const answered = (await httpJson(`${res.body.comfyui_url}/system_stats`)).status === 200;
    const t1 = Date.now() / 1000;
    const name = (await api('GET', `/instances/${id}`)).body.name;
    const listening = (await ws.events()).filter((e) => e.event === 'listening' && e.env === name).at(-1);
    if (answered) startTotal.push(t1 - t0);
    if (answered && listening) startBeyond.push(t1 - listening.time);
  }

  // memory of the worker's processes besides ComfyUI
  const rss = memoryOf(worker.pid ?? 0).rss;

  // idle CPU of the worker (after the compiler and GC have settled)
  await sleep(5_000);
  const c0 = cpuNs(worker.pid ?? 0);
  await sleep(IDLE_S * 1000);
  const idle = (cpuNs(worker.pid ?? 0) - c0) / 1e6 / IDLE_S;

  // API p99, N instances, CLIENTS concurrent clients (node:http keep-alive clients: fetch's own
  // cost would be measured otherwise)
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/instances', headers, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        await get();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  agent.destroy();

  // a printed line -> the WebSocket: the loud instance prints a line on every SIGTERM (and ignores it)
  const loud = (await api('GET', `/instances/${ids[0]}`)).body;
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/instances/${ids[0]}/logs`, { headers });
  const arrivals: number[] = [];
  socket.on('message', (data) => {
    if (String(data).includes('got SIGTERM and ignores it')) arrivals.push(performance.now());
  });
  await new Promise((resolve) => socket.once('open', resolve));
  await sleep(500);
  arrivals.length = 0;
  const delays: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    process.kill(loud.pid, 'SIGTERM');
    await waitFor(() => arrivals.length > i, { timeoutMs: 5_000, intervalMs: 1 });
    delays.push((arrivals[i] ?? Number.NaN) - t0);
    await sleep(50);
  }
  socket.close();

  printTable(`comfyvisor worker, ${INSTANCES} instances (fake ComfyUI, fake cg)`, [
    {
      name: "deploy -> running, beyond the fake's own start (median)",
      value: median(deployBeyond),
      unit: 's',
      target: 0.3,
      python: '2.0 s',
      digits: 3,
    },
    {
      name: 'start -> running and answering (median, whole request)',
      value: median(startTotal),
      unit: 's',
      target: null,
      python: '0.1 s*',
      digits: 3,
    },
    {
      name: "start -> running and answering, beyond the fake's own start",
      value: median(startBeyond),
      unit: 's',
      target: 0.1,
      digits: 3,
    },
    {
      name: `memory of the worker besides ComfyUI (RSS, ${INSTANCES} running)`,
      value: rss,
      unit: 'MB',
      target: 64,
      python: '153 MB',
    },
    {
      name: `API p99, GET /instances, ${CLIENTS} concurrent clients`,
      value: percentile(latencies, 0.99),
      unit: 'ms',
      target: 10,
      python: '13-16 ms',
      digits: 2,
    },
    { name: 'API max', value: max(latencies), unit: 'ms', target: null, digits: 2 },
    {
      name: 'ComfyUI prints a line -> the WebSocket delivers it (median)',
      value: median(delays),
      unit: 'ms',
      target: 50,
      python: '250 ms',
      digits: 2,
    },
    { name: 'same, max of 20', value: max(delays), unit: 'ms', target: null, digits: 2 },
    {
      name: `idle CPU of the worker, ${INSTANCES} instances`,
      value: idle,
      unit: 'ms/s',
      target: 1,
      python: '0',
      digits: 3,
    },
  ]);
  console.log('\n* the reference says running before the port answers');
  console.log(
    `load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );

  process.kill(-(worker.pid ?? 0), 'SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await cg.cleanup();
  await ws.cleanup();
}

runBench(main);
