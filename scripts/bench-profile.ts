// Where the time of `comfyvisor run` goes: the cold start (spawned → ComfyUI listening) and the restart
// on exit 42 (exit → next ComfyUI listening), step by step, medians (and worst) of several rounds.
// The supervisor runs unchanged with scripts/profile/trace-hooks.mjs preloaded (spawns, connects,
// listens, on fd 3); ComfyUI's steps come from the fake's own events.
// `tsx scripts/bench-profile.ts` (BENCH_PROFILE_ROUNDS, default 10).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createWorkspace, freePort, track } from '@comfyvisor/testkit';
import {
  CLI,
  exit42Round,
  lastEvent,
  max,
  median,
  nextEvent,
  now,
  ownStart,
  ROOT,
  runBench,
} from './bench-lib.ts';

const ROUNDS = Number(process.env.BENCH_PROFILE_ROUNDS ?? 10);
const HOOKS = join(ROOT, 'scripts', 'profile', 'trace-hooks.mjs');

interface Mark {
  at: number;
  what: string;
}

function startTraced(args: string[]): { child: ChildProcess; marks: Mark[] } {
  const child = spawn(process.execPath, ['--import', HOOKS, CLI, ...args], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const marks: Mark[] = [];
  let buffer = '';
  child.stdio[3]?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const space = line.indexOf(' ');
      marks.push({ at: Number(line.slice(0, space)), what: line.slice(space + 1) });
    }
  });
  return { child, marks };
}

/** The first mark matching `what` at or after `after` (epoch ms). */
const find = (marks: Mark[], what: RegExp, after = 0) =>
  marks.find((m) => m.at >= after && what.test(m.what))?.at;

function report(title: string, steps: Array<[string, number[]]>) {
  console.log(`\n${title}\n`);
  console.log(`${'step'.padEnd(60)} ${'median'.padStart(8)} ${'worst'.padStart(8)}`);
  for (const [name, xs] of steps) {
    const valid = xs.filter((x) => Number.isFinite(x));
    console.log(
      `${name.padEnd(60)} ${median(valid).toFixed(1).padStart(8)} ${max(valid).toFixed(1).padStart(8)}  ms`,
    );
  }
}

async function main() {
  const ws = await createWorkspace({
    config: {
      orchestrator: {
        sync_enabled: false,
        control_port_range: [await freePort(), 65000],
      },
    },
  });
  const port = await freePort();
  const runArgs = ['run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)];

  // Cold start.
  const cold: Record<string, number[]> = {};
  const add = (key: string, value: number | undefined) => {
    cold[key] ??= [];
    cold[key].push(value ?? Number.NaN);
  };
  const own: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    own.push((await ownStart(ws, 'env1', port)).started);
    const from = await lastEvent(ws);
    const t0 = now() * 1000;
    const { child, marks } = startTraced(runArgs);
    const exited = new Promise((r) => child.once('exit', r));
    const started = await nextEvent(ws, { event: 'started' }, from);
    const listening = await nextEvent(ws, { event: 'listening' }, started.index);
    child.kill('SIGTERM');
    await exited;
    const origin = Number(marks.find((m) => m.what.startsWith('process-start'))?.what.split(' ')[1]);
    const portCheck = find(marks, /^connect/);
    const torch = find(marks, /^spawn torch-query/);
    const comfy = find(marks, /^spawn comfyui/);
    add('spawn() → node process start (exec, node init)', origin - t0);
    add('→ preload ran (node bootstrap, ESM loader)', (find(marks, /^preload/) ?? 0) - origin);
    add(
      '→ first port check (CLI bundle loaded, run command parsed)',
      (portCheck ?? 0) - (find(marks, /^preload/) ?? 0),
    );
    add(
      '→ control API listening (supervisor imported, config, pid)',
      (find(marks, /^listening/) ?? 0) - (portCheck ?? 0),
    );
    add('→ lifeline spawned', (find(marks, /^spawned lifeline/) ?? 0) - (find(marks, /^listening/) ?? 0));
    add(
      '→ torch query spawned',
      (find(marks, /^spawned torch-query/) ?? 0) - (find(marks, /^spawned lifeline/) ?? 0),
    );
    add(
      '   torch query: spawn → exit (python + importlib.metadata)',
      (find(marks, /^exit torch-query/) ?? 0) - (torch ?? 0),
    );
    add('→ ComfyUI spawn() called', (comfy ?? 0) - (find(marks, /^spawned torch-query/) ?? 0));
    add('→ ComfyUI spawned (fork + exec handshake)', (find(marks, /^spawned comfyui/) ?? 0) - (comfy ?? 0));
    add(
      '→ ComfyUI started (python start + imports)',
      started.time * 1000 - (find(marks, /^spawned comfyui/) ?? 0),
    );
    add('→ ComfyUI listening', (listening.time - started.time) * 1000);
    add('TOTAL spawned → listening', listening.time * 1000 - t0);
    add('   of which before ComfyUI spawn() (the supervisor’s own)', (comfy ?? 0) - t0);
  }
  report(
    `cold start of \`comfyvisor run\` (${ROUNDS} rounds; the fake alone: spawn → started ${median(own).toFixed(1)} ms)`,
    Object.entries(cold),
  );

  // Restart on exit 42.
  const { child, marks } = startTraced(runArgs);
  track(child);
  await nextEvent(ws, { event: 'listening' }, await lastEvent(ws));
  const steps: Record<string, number[]> = {};
  const put = (key: string, value: number) => {
    steps[key] ??= [];
    steps[key].push(value);
  };
  for (let i = 0; i < ROUNDS; i++) {
    const { exited, started, listening } = await exit42Round(ws, port);
    const exitSeen = find(marks, /^exit comfyui/, exited.time * 1000 - 1) ?? Number.NaN;
    const call = find(marks, /^spawn comfyui/, exitSeen) ?? Number.NaN;
    const spawned = find(marks, /^spawned comfyui/, call) ?? Number.NaN;
    put('exit (fake’s last event) → node’s exit event', exitSeen - exited.time * 1000);
    put('→ spawn() called (the loop: sync skipped, checks, logs)', call - exitSeen);
    put('→ spawned (fork + exec handshake)', spawned - call);
    put('→ ComfyUI started (python start + imports)', started.time * 1000 - spawned);
    put('→ listening', (listening.time - started.time) * 1000);
    put('exit → spawned (the supervisor’s whole share)', spawned - exited.time * 1000);
  }
  child.kill('SIGTERM');
  report(`restart on exit 42 (${ROUNDS} rounds)`, Object.entries(steps));
}

runBench(main);
