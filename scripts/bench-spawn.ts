// Spawn costs on this machine (scratch measurements for docs/performance.md; not part of `pnpm bench`):
//   1. how libuv forks here (strace, when installed): fork-like clone or vfork/CLONE_VFORK;
//   2. spawn() of /bin/true from a node holding +0 / +20 / +60 MB of heap: does it scale with RSS?
//   3. a pre-started spawner (a /bin/sh blocked on `read`, then `exec`) against a plain spawn:
//      trigger → the target's exit seen, and whether exit codes stay exact.
// `tsx scripts/bench-spawn.ts` (BENCH_SPAWN_ROUNDS, default 60).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { max, median, memoryOf } from './bench-lib.ts';

const ROUNDS = Number(process.env.BENCH_SPAWN_ROUNDS ?? 60);

function forkFlavour(): string {
  if (!existsSync('/usr/bin/strace')) return 'strace not installed';
  const out = spawnSync(
    '/usr/bin/strace',
    [
      '-f',
      '-e',
      'trace=clone,clone3,vfork,fork',
      process.execPath,
      '-e',
      "require('child_process').spawnSync('/bin/true')",
    ],
    { encoding: 'utf8' },
  ).stderr;
  const line = out.split('\n').find((l) => /vfork|clone\(child_stack=NULL|CLONE_VFORK/.test(l)) ?? '';
  return line.replace(/^\[pid\s+\d+\]\s*/, '').slice(0, 120);
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** Plain spawn: trigger = the spawn() call. */
async function direct(command: string, args: string[]) {
  const t0 = performance.now();
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  const call = performance.now() - t0;
  const code = await exitOf(child);
  return { call, total: performance.now() - t0, code };
}

/** Pre-started: a shell waiting on its stdin execs the target when a line arrives (its pid and group stay). */
function standby(command: string, args: string[]) {
  const child = spawn('/bin/sh', ['-c', 'read -r _ && exec "$0" "$@"', command, ...args], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  const exit = exitOf(child);
  return async () => {
    const t0 = performance.now();
    child.stdin?.write('\n');
    const code = await exit;
    return { total: performance.now() - t0, code };
  };
}

async function spawnVsHeap(extraMb: number) {
  const keep: unknown[] = [];
  // Small objects in V8's old space, about extraMb of them.
  for (let bytes = 0; bytes < extraMb * 1024 * 1024; bytes += 64 * 1000) {
    keep.push(Array.from({ length: 1000 }, (_, i) => ({ i, s: `x${i}` })));
  }
  const calls: number[] = [];
  for (let i = 0; i < ROUNDS; i++) calls.push((await direct('/bin/true', [])).call);
  const rss = memoryOf(process.pid).rss;
  keep.length = 0;
  return { rss, call: median(calls), worst: max(calls) };
}

async function main() {
  console.log(`node ${process.version}, libuv ${process.versions.uv}`);
  console.log(`1. how spawn forks: ${forkFlavour()}`);

  console.log('\n2. spawn() call (fork + exec handshake) of /bin/true, by the size of this node:');
  for (const extra of [0, 20, 60]) {
    const r = await spawnVsHeap(extra);
    console.log(
      `   +${String(extra).padStart(2)} MB heap (RSS ${r.rss.toFixed(0)} MB): median ${r.call.toFixed(2)} ms, worst ${r.worst.toFixed(2)} ms`,
    );
  }

  console.log('\n3. trigger → exit of the target seen (target /bin/sh -c "exit 42"):');
  const plain: number[] = [];
  const pre: number[] = [];
  const codes = new Set<number | null>();
  for (let i = 0; i < ROUNDS; i++) {
    const fire = standby('/bin/sh', ['-c', 'exit 42']);
    await new Promise((r) => setTimeout(r, 5)); // the shell is waiting in read
    const p = await fire();
    pre.push(p.total);
    codes.add(p.code);
    const d = await direct('/bin/sh', ['-c', 'exit 42']);
    plain.push(d.total);
    codes.add(d.code);
  }
  console.log(`   plain spawn : median ${median(plain).toFixed(2)} ms, worst ${max(plain).toFixed(2)} ms`);
  console.log(`   pre-started : median ${median(pre).toFixed(2)} ms, worst ${max(pre).toFixed(2)} ms`);
  console.log(`   exit codes seen: ${[...codes].join(', ')} (exact when only 42)`);
}

await main();
