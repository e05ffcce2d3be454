// The control API under load: `POST /restart` → SIGTERM at ComfyUI from a client that closes its
// connection after reading (as curl and urllib do) and from a keep-alive one, and the supervisor's
// RSS across restart storms (4 × 200 POST /restart, 8 at a time) against its RSS before them.
// `tsx scripts/bench-control.ts` runs it alone on its own supervisor; `pnpm bench` includes it.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { metadataDir, readControlPort } from '@comfyvisor/ipc-files';
import { createWorkspace, freePort, type TestWorkspace, track, waitFor } from '@comfyvisor/testkit';
import {
  CLI,
  lastEvent,
  max,
  median,
  memoryOf,
  nextEvent,
  now,
  printTable,
  runBench,
  sleep,
} from './bench-lib.ts';

/** One POST; `agent` keeps the connection open, none closes it once the answer is read. */
function post(url: string, agent?: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: agent ?? false, headers: agent ? {} : { connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** POST /restart → the fake's `sigterm` event (ms), `rounds` times, each after ComfyUI listens again. */
async function restartToSigterm(ws: TestWorkspace, url: string, rounds: number, agent?: Agent) {
  const figures: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const from = await lastEvent(ws);
    const t0 = now();
    await post(url, agent);
    const term = await nextEvent(ws, { event: 'sigterm' }, from);
    figures.push((term.time - t0) * 1000);
    await nextEvent(ws, { event: 'listening' }, term.index);
  }
  return figures;
}

/** `count` POST /restart, `parallel` at a time; resolves once ComfyUI listens again after the last. */
async function storm(ws: TestWorkspace, url: string, count: number, parallel: number): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) await post(url);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  // The restarts merged into the last one: wait until it has ComfyUI up and nothing more comes.
  for (let quiet = 0; quiet < 2; ) {
    const before = await lastEvent(ws);
    await sleep(1000);
    const after = await lastEvent(ws);
    const events = await ws.events();
    quiet = after === before && events.at(-1)?.event === 'listening' ? quiet + 1 : 0;
  }
}

export interface ControlFigures {
  closing: number[];
  keepAlive: number[];
  /** RSS (MB) before the storms, then after each. */
  rss: number[];
}

export async function benchControl(options: {
  ws: TestWorkspace;
  supPid: number;
  controlPort: number;
  rounds: number;
  storms?: number;
}): Promise<ControlFigures> {
  const { ws, supPid, controlPort, rounds } = options;
  const url = `http://127.0.0.1:${controlPort}/restart`;
  const closing = await restartToSigterm(ws, url, rounds);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const keepAlive = await restartToSigterm(ws, url, rounds, agent);
  agent.destroy();
  await sleep(2000);
  const rss = [memoryOf(supPid).rss];
  for (let i = 0; i < (options.storms ?? 4); i++) {
    await storm(ws, url, 200, 8);
    await sleep(3000);
    rss.push(memoryOf(supPid).rss);
  }
  return { closing, keepAlive, rss };
}

export function controlRows(figures: ControlFigures) {
  const [before = Number.NaN, ...after] = figures.rss;
  return [
    {
      name: 'POST /restart → SIGTERM, closing client (curl/urllib-like)',
      value: median(figures.closing),
      unit: 'ms',
      target: 20,
      python: '~500',
    },
    { name: '  … worst', value: max(figures.closing), unit: 'ms' },
    {
      name: 'POST /restart → SIGTERM, keep-alive client',
      value: median(figures.keepAlive),
      unit: 'ms',
      target: 20,
    },
    { name: '  … worst', value: max(figures.keepAlive), unit: 'ms' },
    { name: 'RSS before the restart storms', value: before, unit: 'MB' },
    ...after.map((rss, i) => ({
      name: `  … after storm ${i + 1} (200 POST /restart, 8 at a time)`,
      value: rss,
      unit: 'MB',
    })),
    {
      name: `RSS after ${after.length} × 200 restarts − before`,
      value: (after.at(-1) ?? Number.NaN) - before,
      unit: 'MB',
      target: 10,
    },
  ];
}

async function main() {
  const ws = await createWorkspace({
    config: {
      orchestrator: { sync_enabled: false, stop_grace_s: 5, control_port_range: [await freePort(), 65000] },
    },
  });
  const port = await freePort();
  const sup = track(
    spawn(
      process.execPath,
      [CLI, 'run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)],
      {
        stdio: 'ignore',
      },
    ),
  );
  const controlPort = await waitFor(() => readControlPort(metadataDir(ws.root)));
  await ws.waitForEvent({ event: 'listening' });
  const figures = await benchControl({
    ws,
    supPid: sup.pid as number,
    controlPort,
    rounds: Number(process.env.BENCH_ROUNDS ?? 15),
  });
  printTable('comfyvisor control API bench', controlRows(figures));
  sup.kill('SIGTERM');
}

if (import.meta.url === `file://${process.argv[1]}`) runBench(main);
