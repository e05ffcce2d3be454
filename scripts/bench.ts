// `pnpm bench`: speed and memory of `comfyvisor run` against the fake ComfyUI, beside issue 11's
// targets and the Python supervisor's figures. Prints medians of several rounds (never asserts: this
// machine is shared and noisy) and writes everything to .bench/results.json.
// BENCH_ROUNDS (15), BENCH_COLD_ROUNDS (10), BENCH_DRAIN_ROUNDS (10), BENCH_SETTLE_S (30),
// BENCH_IDLE_S (60), BENCH_RSS=0 skips the per-dependency table.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metadataDir, readControlPort, readEvents, writeCommand } from '@comfyvisor/ipc-files';
import { buildFakeNvidiaSmi, createWorkspace, freePort, track, waitFor } from '@comfyvisor/testkit';
import { benchColdStart } from './bench-cold-start.ts';
import { benchControl, controlRows } from './bench-control.ts';
import { benchDrain, drainRows } from './bench-drain.ts';
import {
  CLI,
  exit42Round,
  idleCpu,
  lastEvent,
  max,
  median,
  memoryOf,
  nextEvent,
  now,
  ownStart,
  printTable,
  ROOT,
  type Row,
  runBench,
  sleep,
  switchRound,
} from './bench-lib.ts';
import { benchDependencyRss, printDependencyRss } from './bench-rss.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 10);

/** An `HH:MM` an hour ago: a `restart_daily_at` that does not fire while the bench runs. */
function hourAgo(): string {
  const t = new Date(Date.now() - 3_600_000);
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
}

async function main() {
  // Every watchdog on (issue 18) and none firing: limits far above the fake's figures, a daily time
  // an hour ago, /free after a minute idle, and a fake nvidia-smi on PATH (run every 10 s, as on a
  // GPU box). BENCH_WATCHDOGS=0 measures without them.
  const watchdogs = process.env.BENCH_WATCHDOGS !== '0';
  const smi = watchdogs ? buildFakeNvidiaSmi({ apps: [] }) : null;
  const ws = await createWorkspace({
    config: {
      orchestrator: {
        log_level: 'debug',
        sync_enabled: false,
        stop_grace_s: 5,
        control_port_range: [await freePort(), 65000],
        // BENCH_LIVENESS=0 measures the idle supervisor without its liveness probes
        liveness_enabled: process.env.BENCH_LIVENESS !== '0',
        ...(watchdogs
          ? {
              restart_rss_mb: 1_000_000,
              restart_vram_mb: 1_000_000,
              restart_daily_at: [hourAgo()],
              idle_free_s: 60,
            }
          : {}),
      },
    },
  });
  const dir = metadataDir(ws.root);
  const port = await freePort();

  // 1. Cold start: `comfyvisor run` spawned → ComfyUI listening, minus the fake's own start.
  const cold = await benchColdStart({ ws, port, rounds: COLD_ROUNDS });
  // ComfyUI's own start, spawn → started / → listening, for the restart figures below.
  const own = { started: [] as number[], listening: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const o = await ownStart(ws, 'env1', port);
    own.started.push(o.started);
    own.listening.push(o.listening);
  }

  const sup = track(
    spawn(
      process.execPath,
      [CLI, 'run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: smi ? { ...process.env, PATH: `${smi.dir}:${process.env.PATH}` } : process.env,
      },
    ),
  );
  // The supervisor's own share of a restart, as it measures it (debug log): exit seen → ComfyUI spawned.
  const ownShare: number[] = [];
  let stderr = '';
  sup.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (
      let m = /restart overhead: ([\d.]+) ms/.exec(stderr);
      m;
      m = /restart overhead: ([\d.]+) ms/.exec(stderr)
    ) {
      ownShare.push(Number(m[1]));
      stderr = stderr.slice(m.index + m[0].length);
    }
  });
  const supPid = sup.pid as number;
  await waitFor(() => readControlPort(dir));
  await ws.waitForEvent({ event: 'listening' }, { after: await lastEvent(ws) });

  // 2. exit 42 → the next ComfyUI listening (and started), minus its own start. Against the median
  // own start of separate runs (a proxy: Python's own start varies by ±8 ms from one spawn to the
  // next), and exactly, against the very process's own start: exit → listening − (spawn → listening)
  // = exit → spawn, with the spawn time from the supervisor's `comfyui_start` event (ms resolution).
  const restart = { listening: [] as number[], started: [] as number[], exact: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const { exited, started, listening } = await exit42Round(ws, port);
    restart.started.push((started.time - exited.time) * 1000 - median(own.started));
    restart.listening.push((listening.time - exited.time) * 1000 - median(own.listening));
    const spawned = await waitFor(async () =>
      (await readEvents(dir, { sinceMs: Math.floor(exited.time * 1000) })).events.find(
        (e) => e.type === 'comfyui_start',
      ),
    );
    restart.exact.push(spawned.time * 1000 - exited.time * 1000);
  }

  // 3. restart command → SIGTERM at ComfyUI.
  const command: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const from = await lastEvent(ws);
    const t0 = now();
    await writeCommand(dir, { command: 'restart' });
    const term = await nextEvent(ws, { event: 'sigterm' }, from);
    command.push((term.time - t0) * 1000);
    await nextEvent(ws, { event: 'listening' }, term.index);
  }

  // 3c. a restart that waited for the running prompt: `Prompt executed` → SIGTERM (issue 17).
  const drain = await benchDrain({ ws, port, rounds: Number(process.env.BENCH_DRAIN_ROUNDS ?? 10) });

  // 4. exit 43 → status `complete` (default health settings: 100 ms interval, 3 successes).
  const switchMs: number[] = [];
  for (let i = 0; i < Math.min(ROUNDS, 6); i++) {
    switchMs.push(await switchRound(ws, port, i % 2 === 0 ? 'env2' : 'env1'));
    await sleep(1200); // let the status clear before the next round
  }

  // 5 + 6. idle CPU and memory of the supervisor, once the work above has settled. Steady state is
  // a liveness probe every 10 s (~1–1.5 ms of CPU each); V8's memory reducer may still run one
  // mark-compact (~17 ms over the GC threads) after activity stops: with a 20 s settle and a 30 s
  // window one run in five caught it (0.97 ms/s), so: a longer settle, and a window in which that
  // one GC cannot decide the figure (docs/performance.md).
  await sleep(Number(process.env.BENCH_SETTLE_S ?? 30) * 1000);
  const idle = await idleCpu(supPid, Number(process.env.BENCH_IDLE_S ?? 60));
  const memory = memoryOf(supPid);

  // 7. `comfyvisor status` wall time, and node's own start for scale.
  const wall = (args: string[]) => {
    const t0 = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - t0;
  };
  const status: number[] = [];
  const nodeFloor: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    status.push(wall([CLI, 'status', '--workspace', ws.root]));
    nodeFloor.push(wall(['-e', '0']));
  }

  // 8. the control API: POST /restart → SIGTERM from a closing and a keep-alive client, and RSS
  // across 4 × 200 POST /restart (after the idle figures, which these storms would disturb).
  const control = await benchControl({
    ws,
    supPid,
    controlPort: (await readControlPort(dir)) as number,
    rounds: ROUNDS,
  });

  sup.kill('SIGTERM');
  await new Promise((r) => sup.once('exit', r));

  const rows: Row[] = [
    { name: 'ComfyUI (fake) own start, spawn → listening', value: median(cold.own), unit: 'ms' },
    { name: '`comfyvisor run` spawned → ComfyUI listening', value: median(cold.total), unit: 'ms' },
    {
      name: 'cold start: overhead beyond ComfyUI’s own start',
      value: cold.overhead,
      unit: 'ms',
      target: 130,
      python: '170–200',
    },
    {
      name: 'restart on exit 42: exit → listening − own start (median)',
      value: median(restart.listening),
      unit: 'ms',
      target: 15,
      python: '42–72',
    },
    {
      name: `  … worst of ${ROUNDS} rounds, each against its own process’s start`,
      value: max(restart.exact),
      unit: 'ms',
      target: 15,
    },
    {
      name: `  … worst, against the median own start (Python’s jitter included)`,
      value: max(restart.listening),
      unit: 'ms',
    },
    { name: '  … exit → started − own start (median)', value: median(restart.started), unit: 'ms' },
    {
      name: '  … of which the supervisor: exit seen → spawned (median)',
      value: median(ownShare.slice(0, ROUNDS)),
      unit: 'ms',
    },
    {
      name: 'restart command (.cmd) → SIGTERM at ComfyUI',
      value: median(command),
      unit: 'ms',
      target: 20,
      python: '~200',
    },
    ...drainRows(drain),
    { name: 'exit 43 → status complete', value: median(switchMs), unit: 'ms', target: 1000, python: '~6100' },
    {
      name: 'idle CPU of the supervisor (median 10 s window)',
      value: idle.median,
      unit: 'ms/s',
      target: 0.5,
      python: '3',
      digits: 3,
    },
    { name: '  … mean over the whole window', value: idle.mean, unit: 'ms/s', digits: 3 },
    { name: 'RSS of the supervisor', value: memory.rss, unit: 'MB', target: 48, python: '25' },
    { name: '  … anonymous (heaps, stacks)', value: memory.anon, unit: 'MB' },
    { name: '  … file pages (mostly the node binary’s code)', value: memory.file, unit: 'MB' },
    { name: '`comfyvisor status` wall time', value: median(status), unit: 'ms', target: 150, python: '–' },
    { name: '  … `node -e 0` wall time (the floor)', value: median(nodeFloor), unit: 'ms' },
    ...controlRows(control),
  ];
  printTable(
    `comfyvisor bench (medians: ${COLD_ROUNDS} cold starts, ${ROUNDS} rounds otherwise; node ${process.version})`,
    rows,
  );

  const dependencies = process.env.BENCH_RSS === '0' ? [] : await benchDependencyRss(2, 1000);
  if (dependencies.length) printDependencyRss(dependencies);

  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  const results = Object.fromEntries(
    rows.map((r) => [
      r.name.trim(),
      { value: Number(r.value.toFixed(3)), unit: r.unit, target: r.target ?? null },
    ]),
  );
  writeFileSync(
    join(ROOT, '.bench', 'results.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        rounds: ROUNDS,
        coldRounds: COLD_ROUNDS,
        results,
        dependencies,
        raw: { cold, own, restart, ownShare, command, drain, switchMs, status, nodeFloor, memory, control },
      },
      null,
      2,
    )}\n`,
  );
  console.log('\nwritten to .bench/results.json');
}

runBench(main);
