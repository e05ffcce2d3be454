// `pnpm bench`: speed and memory of `comfyvisor run` against the fake ComfyUI. Prints figures beside
// the targets (never asserts: this machine is noisy) and writes them to .bench/results.json.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  metadataDir,
  readControlPort,
  readSwitchStatus,
  writeCommand,
  writeSwitchRequest,
} from '@comfyvisor/ipc-files';
import {
  cleanupWorkspaces,
  createWorkspace,
  type FakeEvent,
  freePort,
  httpJson,
  killTracked,
  track,
  waitFor,
} from '@comfyvisor/testkit';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CLI = join(import.meta.dirname, '..', 'apps', 'cli', 'dist', 'bundle', 'bin.js');
const now = () => (performance.timeOrigin + performance.now()) / 1000; // float seconds, like Python's time.time()
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : Number.NaN;
};

function cpuNs(pid: number): number {
  // Every thread's time on CPU (ns), from the scheduler: finer than utime/stime's 10 ms ticks.
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

async function main() {
  const ws = await createWorkspace({
    config: {
      orchestrator: {
        log_level: 'debug',
        sync_enabled: false,
        stop_grace_s: 5,
        control_port_range: [await freePort(), 65000],
        switch_status_clear_s: 1,
      },
    },
  });
  const dir = metadataDir(ws.root);
  const port = await freePort();
  const python = join(ws.envDir('env1'), '.venv', 'bin', 'python');
  const after = async () => (await ws.events()).at(-1)?.index ?? -1;
  const next = (match: Partial<FakeEvent>, from: number) =>
    ws.waitForEvent(match, { after: from, timeoutMs: 30_000 });

  // 0. ComfyUI's own start (the fake): spawn to its 'started' event, without a supervisor.
  const own: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const from = await after();
    const t0 = now();
    const child = track(
      spawn(python, ['main.py', '--port', String(port)], {
        cwd: join(ws.envDir('env1'), 'ComfyUI'),
        stdio: 'ignore',
      }),
    );
    own.push(((await next({ event: 'started' }, from)).time - t0) * 1000);
    await next({ event: 'listening' }, from);
    child.kill('SIGTERM');
    await next({ event: 'exited' }, from);
  }

  const sup = track(
    spawn(
      process.execPath,
      [CLI, 'run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
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
  await ws.waitForEvent({ event: 'listening' }, { after: await after() });

  // 1. exit 42 → the next start: time from the fake's 'exited' to the next 'started', minus its own start.
  const restart: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const from = await after();
    await httpJson(`http://127.0.0.1:${port}/exit/42`, { method: 'POST' });
    const exited = await next({ event: 'exited', code: 42 }, from);
    const started = await next({ event: 'started' }, exited.index);
    restart.push((started.time - exited.time) * 1000);
    await next({ event: 'listening' }, started.index);
  }

  // 2. restart command → SIGTERM at ComfyUI.
  const command: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const from = await after();
    const t0 = now();
    await writeCommand(dir, { command: 'restart' });
    const term = await next({ event: 'sigterm' }, from);
    command.push((term.time - t0) * 1000);
    await next({ event: 'listening' }, term.index);
  }

  // 3. exit 43 → status `complete` (default health settings: 100 ms interval, 3 successes).
  const switchMs: number[] = [];
  for (let i = 0; i < Math.min(ROUNDS, 6); i++) {
    const from = await after();
    const target = i % 2 === 0 ? 'env2' : 'env1';
    await writeSwitchRequest(dir, { targetEnv: target, sourceEnv: target === 'env2' ? 'env1' : 'env2' });
    await httpJson(`http://127.0.0.1:${port}/exit/43`, { method: 'POST' });
    const exited = await next({ event: 'exited', code: 43 }, from);
    const done = await waitFor(
      async () => {
        const s = await readSwitchStatus(dir);
        return s?.state === 'complete' && s.targetEnv === target && s.updatedAt / 1000 > exited.time
          ? s
          : null;
      },
      { intervalMs: 5, timeoutMs: 30_000 },
    );
    switchMs.push(done.updatedAt - exited.time * 1000);
    await new Promise((r) => setTimeout(r, 1200)); // let the status clear before the next round
  }

  // 4 + 5. idle CPU and RSS of the supervisor, once the work above has settled (V8 finishes its
  // post-activity GC within a few seconds).
  await new Promise((r) => setTimeout(r, Number(process.env.BENCH_SETTLE_S ?? 5) * 1000));
  const cpu0 = cpuNs(supPid);
  const idleSeconds = Number(process.env.BENCH_IDLE_S ?? 10);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idleCpu = (cpuNs(supPid) - cpu0) / 1e6 / idleSeconds;
  const rss = rssMb(supPid);

  // 6. `comfyvisor status` wall time.
  const status: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [CLI, 'status', '--workspace', ws.root], { stdio: 'ignore' });
    status.push(performance.now() - t0);
  }

  sup.kill('SIGTERM');
  await new Promise((r) => sup.once('exit', r));

  const ownMs = median(own);
  const rows = [
    ['ComfyUI (fake) own start, spawn → started', median(own), null, null, 'ms'],
    [
      'restart overhead on exit 42 (exit → next start − own start)',
      median(restart) - ownMs,
      20,
      '70–80',
      'ms',
    ],
    [
      '  of which the supervisor (exit seen → ComfyUI spawned)',
      median(ownShare.slice(0, ROUNDS)),
      20,
      null,
      'ms',
    ],
    ['restart command → SIGTERM at ComfyUI', median(command), 20, '~200', 'ms'],
    ['exit 43 → status complete', median(switchMs), 1000, '~6050', 'ms'],
    ['idle CPU of the supervisor', idleCpu, 0.5, '3–5', 'ms/s'],
    ['RSS of the supervisor', rss, 60, '24.5', 'MB'],
    ['`comfyvisor status` wall time', median(status), 150, '-', 'ms'],
  ] as const;
  console.log(`\ncomfyvisor bench (medians of ${ROUNDS} rounds; node ${process.version})\n`);
  console.log(`${'metric'.padEnd(62)} ${'measured'.padStart(10)} ${'target'.padStart(8)}  python  `);
  for (const [name, value, target, py, unit] of rows) {
    const ok = target === null ? '' : value <= target ? 'ok' : 'OVER';
    console.log(
      `${name.padEnd(62)} ${value.toFixed(name.startsWith('idle') ? 3 : 1).padStart(8)} ${unit.padEnd(4)} ${target === null ? ''.padStart(8) : `≤ ${target}`.padStart(8)}  ${(py ?? '').padEnd(7)} ${ok}`,
    );
  }
  mkdirSync('.bench', { recursive: true });
  const results = Object.fromEntries(
    rows.map(([name, value, target, , unit]) => [name, { value: Number(value.toFixed(3)), unit, target }]),
  );
  writeFileSync(
    join('.bench', 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, raw: { own, restart, ownShare, command, switchMs, status }, results }, null, 2)}\n`,
  );
  console.log('\nwritten to .bench/results.json');
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await killTracked();
    await cleanupWorkspaces();
    if (!existsSync('.bench')) mkdirSync('.bench');
  });
