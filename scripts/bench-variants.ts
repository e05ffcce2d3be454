// Prototypes of supervisor changes, measured against today's build without touching
// packages/supervisor: each variant is the CLI bundle built with some of the supervisor's modules
// swapped for scripts/prototypes/*.ts (an esbuild plugin), then measured side by side, interleaved
// (cold start, restart on exit 42, RSS after settling). `tsx scripts/bench-variants.ts`
// (BENCH_VARIANT_ROUNDS, default 8; BENCH_VARIANTS=base,all to pick).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  cleanupWorkspaces,
  createWorkspace,
  freePort,
  httpJson,
  killTracked,
  type TestWorkspace,
  track,
} from '@comfyvisor/testkit';
import type { Plugin } from 'esbuild';
import { coldStartOnce } from './bench-cold-start.ts';
import { esbuild, lastEvent, max, median, memoryOf, nextEvent, ownStart, ROOT, sleep } from './bench-lib.ts';

const ROUNDS = Number(process.env.BENCH_VARIANT_ROUNDS ?? 8);
const SUPERVISOR = join(ROOT, 'packages', 'supervisor');
const PROTOTYPE = {
  'control-server': 'control-server-http.ts',
  'backend-flags': 'backend-flags-dist-info.ts',
  reaper: 'reaper-builtins.ts',
  sync: 'sync-lazy-execa.ts',
} as const;
type Module = keyof typeof PROTOTYPE;

interface Variant {
  name: string;
  swap: Module[];
  nodeArgs?: string[];
}
const ALL: Module[] = ['control-server', 'sync', 'backend-flags', 'reaper'];
const VARIANTS: Variant[] = [
  { name: 'base (today)', swap: [] },
  { name: 'control API on node:http (no hono, no undici)', swap: ['control-server'] },
  { name: 'execa loaded on first sync', swap: ['sync'] },
  { name: 'torch version from dist-info', swap: ['backend-flags'] },
  { name: 'lifeline with shell builtins only', swap: ['reaper'] },
  { name: 'all four', swap: ALL },
  { name: 'all four + --max-semi-space-size=1', swap: ALL, nodeArgs: ['--max-semi-space-size=1'] },
  { name: 'all four + --no-opt', swap: ALL, nodeArgs: ['--no-opt'] },
].filter((v, i) => {
  const pick = process.env.BENCH_VARIANTS?.split(',');
  return !pick || pick.some((p) => v.name.startsWith(p) || String(i) === p);
});

function swapPlugin(swap: Module[]): Plugin {
  return {
    name: 'swap-supervisor-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) => {
        const name = args.path.slice(2, -3) as Module;
        if (!args.importer.startsWith(join(SUPERVISOR, 'dist')) || !swap.includes(name)) return undefined;
        return { path: join(ROOT, 'scripts', 'prototypes', PROTOTYPE[name]) };
      });
      build.onResolve({ filter: /^supervisor-internal:/ }, async (args) => {
        const name = args.path.slice('supervisor-internal:'.length);
        if (name === 'errors') return { path: join(SUPERVISOR, 'dist', 'errors.js') };
        const found = await build.resolve(name, { kind: 'import-statement', resolveDir: SUPERVISOR });
        return { path: found.path };
      });
    },
  };
}

async function buildVariant(variant: Variant, index: number): Promise<string> {
  const outdir = join(ROOT, '.bench', 'variants', String(index));
  await esbuild().build({
    entryPoints: [join(ROOT, 'apps', 'cli', 'src', 'bin.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    logLevel: 'warning',
    plugins: [swapPlugin(variant.swap)],
    banner: {
      js: "import { createRequire as __comfyvisorRequire } from 'node:module'; const require = __comfyvisorRequire(import.meta.url);",
    },
  });
  return join(outdir, 'bin.js');
}

const workspace = async () =>
  createWorkspace({
    config: {
      orchestrator: { sync_enabled: false, control_port_range: [await freePort(), 65000], stop_grace_s: 5 },
    },
  });

async function main() {
  const clis = await Promise.all(VARIANTS.map(buildVariant));
  const ws = await Promise.all(VARIANTS.map(workspace));
  const ports = await Promise.all(VARIANTS.map(() => freePort()));

  // Cold starts, interleaved so that the machine's noisy moments weigh on every variant alike.
  const own: number[] = [];
  const cold: number[][] = VARIANTS.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    own.push((await ownStart(ws[0] as TestWorkspace, 'env1', ports[0] as number)).listening);
    for (const [i, variant] of VARIANTS.entries()) {
      cold[i]?.push(
        await coldStartOnce({
          ws: ws[i] as TestWorkspace,
          port: ports[i] as number,
          rounds: 1,
          cli: clis[i],
          nodeArgs: variant.nodeArgs,
        }),
      );
    }
  }

  // Long-running supervisors, one per variant; restarts round-robin.
  const before = await Promise.all(ws.map(lastEvent));
  const sups = VARIANTS.map((variant, i) =>
    track(
      spawn(
        process.execPath,
        [
          ...(variant.nodeArgs ?? []),
          clis[i] as string,
          'run',
          '--workspace',
          (ws[i] as TestWorkspace).root,
          '--environment',
          'env1',
          '--args',
          '--port',
          String(ports[i]),
        ],
        { stdio: 'ignore' },
      ),
    ),
  );
  for (const [i, w] of ws.entries()) await nextEvent(w, { event: 'listening' }, before[i] as number);
  const restart: number[][] = VARIANTS.map(() => []);
  for (let r = 0; r < ROUNDS * 2; r++) {
    for (const [i, w] of ws.entries()) {
      const from = await lastEvent(w);
      await httpJson(`http://127.0.0.1:${ports[i]}/exit/42`, { method: 'POST' });
      const exited = await nextEvent(w, { event: 'exited', code: 42 }, from);
      const listening = await nextEvent(w, { event: 'listening' }, exited.index);
      restart[i]?.push((listening.time - exited.time) * 1000);
    }
  }
  for (const [i] of ws.entries())
    await httpJson(`http://127.0.0.1:${ports[i]}/system_stats`).catch(() => null);
  await sleep(Number(process.env.BENCH_SETTLE_S ?? 6) * 1000);
  const memory = sups.map((s) => memoryOf(s.pid as number));

  const ownMs = median(own);
  console.log(
    `\nvariants (${ROUNDS} cold starts, ${ROUNDS * 2} restarts each; the fake alone: spawn → listening ${ownMs.toFixed(1)} ms)\n`,
  );
  console.log(
    `${'variant'.padEnd(48)} ${'cold overhead'.padStart(14)} ${'restart med'.padStart(12)} ${'worst'.padStart(7)} ${'RSS'.padStart(6)} ${'anon'.padStart(6)} ${'file'.padStart(6)}`,
  );
  for (const [i, variant] of VARIANTS.entries()) {
    const m = memory[i] as { rss: number; anon: number; file: number };
    const rs = (restart[i] ?? []).map((x) => x - ownMs);
    console.log(
      `${variant.name.padEnd(48)} ${`${(median(cold[i] ?? []) - ownMs).toFixed(1)} ms`.padStart(14)} ${`${median(rs).toFixed(1)} ms`.padStart(12)} ${max(rs).toFixed(1).padStart(7)} ${m.rss.toFixed(1).padStart(6)} ${m.anon.toFixed(1).padStart(6)} ${m.file.toFixed(1).padStart(6)}`,
    );
  }
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await killTracked();
    await cleanupWorkspaces();
  });
