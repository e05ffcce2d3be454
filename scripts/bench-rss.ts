// What each dependency costs in RSS: a node process that only imports it (from the built dist, resolved
// from the package that depends on it), idle for a moment, against one that imports an empty module.
// `tsx scripts/bench-rss.ts` prints the table alone; `pnpm bench` includes it.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { esbuild, type Memory, median, ROOT } from './bench-lib.ts';

interface Probe {
  name: string;
  /** Where the import is resolved from (a package folder). */
  from: string;
  /** What is imported (nothing: the floor). */
  specs: string[];
  /** Run after the imports. */
  touch?: string;
}

const pkg = (p: string) => join(ROOT, p);
export const PROBES: Probe[] = [
  { name: 'node, empty ES module (the floor)', from: ROOT, specs: [] },
  {
    name: 'node builtins the supervisor uses (http, net, child_process, fs)',
    from: ROOT,
    specs: ['node:http', 'node:net', 'node:child_process', 'node:fs/promises'],
  },
  {
    name: 'undici (first touch of global Request/Response/fetch)',
    from: ROOT,
    specs: [],
    touch: 'globalThis.Request;',
  },
  { name: 'commander (CommonJS)', from: pkg('apps/cli'), specs: ['commander'] },
  { name: 'valibot', from: pkg('packages/ipc-files'), specs: ['valibot'] },
  { name: 'execa', from: pkg('packages/supervisor'), specs: ['execa'] },
  {
    name: 'hono (the bridge only; the supervisor dropped it)',
    from: pkg('apps/panel-bridge'),
    specs: ['hono'],
  },
  {
    name: 'hono + @hono/node-server (its load touches global Request)',
    from: pkg('apps/panel-bridge'),
    specs: ['hono', '@hono/node-server'],
    touch: 'globalThis.Request;',
  },
  { name: '@comfyvisor/detection', from: pkg('apps/cli'), specs: ['@comfyvisor/detection'] },
  { name: '@comfyvisor/ipc-files', from: pkg('apps/cli'), specs: ['@comfyvisor/ipc-files'] },
  { name: '@comfyvisor/health', from: pkg('apps/cli'), specs: ['@comfyvisor/health'] },
  { name: '@comfyvisor/processes', from: pkg('apps/cli'), specs: ['@comfyvisor/processes'] },
  { name: '@comfyvisor/venv', from: pkg('apps/cli'), specs: ['@comfyvisor/venv'] },
  {
    name: '@comfyvisor/supervisor (+ all it uses)',
    from: pkg('apps/cli'),
    specs: ['@comfyvisor/supervisor'],
  },
];

/** The probe's imports as one esbuild bundle (how `comfyvisor` loads them), in .bench/rss/. */
async function bundleOf(probe: Probe, index: number): Promise<string> {
  const outfile = join(ROOT, '.bench', 'rss', `probe-${index}.mjs`);
  await esbuild().build({
    stdin: {
      contents: probe.specs
        .map((spec, i) => `import * as m${i} from '${spec}'; globalThis.__m${i} = m${i};`)
        .join('\n'),
      resolveDir: probe.from,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'error',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return pathToFileURL(outfile).href;
}

/** One process: imports, waits `settleMs`, reports its own memory. */
function measure(probe: Probe, bundle: string | null, settleMs: number): Promise<Memory> {
  const imports = bundle === null ? probe.specs : [bundle];
  const code = `import { readFileSync } from 'node:fs';
await import('data:text/javascript,');
${imports.map((spec) => `await import('${spec}');`).join('\n')}
${probe.touch ?? ''}
setTimeout(() => {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp(k + ':\\\\s+(\\\\d+)').exec(s)[1]) / 1024;
  process.stdout.write(JSON.stringify({ rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') }));
}, ${settleMs});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: probe.from,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Memory)
        : reject(new Error(`${probe.name}: ${err.slice(0, 500)}`)),
    );
  });
}

export interface DependencyCost {
  name: string;
  /** Imported from the packages' dist (many files, as published). */
  dist: Memory;
  /** The same imports as one esbuild bundle (as `comfyvisor` runs them). */
  bundled: Memory;
}

const medianMemory = (ms: Memory[]): Memory => ({
  rss: median(ms.map((m) => m.rss)),
  anon: median(ms.map((m) => m.anon)),
  file: median(ms.map((m) => m.file)),
});

/** Medians of `rounds` processes per probe and form (four at a time: RSS does not depend on the CPU share). */
export async function benchDependencyRss(rounds = 3, settleMs = 1500): Promise<DependencyCost[]> {
  mkdirSync(join(ROOT, '.bench', 'rss'), { recursive: true });
  const bundles = await Promise.all(
    PROBES.map((probe, i) => (probe.specs.length ? bundleOf(probe, i) : null)),
  );
  const results = PROBES.map(() => ({ dist: [] as Memory[], bundled: [] as Memory[] }));
  const jobs = PROBES.flatMap((_, i) => Array.from({ length: rounds }, () => i));
  const worker = async () => {
    for (let i = jobs.shift(); i !== undefined; i = jobs.shift()) {
      const probe = PROBES[i] as Probe;
      const slot = results[i] as { dist: Memory[]; bundled: Memory[] };
      slot.dist.push(await measure(probe, null, settleMs));
      slot.bundled.push(await measure(probe, bundles[i] ?? null, settleMs));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return PROBES.map((probe, i) => ({
    name: probe.name,
    dist: medianMemory(results[i]?.dist ?? []),
    bundled: medianMemory(results[i]?.bundled ?? []),
  }));
}

export function printDependencyRss(costs: DependencyCost[]): void {
  const floor = costs[0]?.dist.rss ?? Number.NaN;
  const plus = (x: number) => (x >= 0 ? `+${x.toFixed(1)}` : x.toFixed(1));
  console.log(
    '\nRSS of a node process that only imports … (MB, medians; "+" = above the floor; file = pages of the node binary)\n',
  );
  console.log(
    `${'import'.padEnd(64)} ${'dist RSS'.padStart(9)} ${'+'.padStart(6)} ${'anon'.padStart(5)} ${'file'.padStart(5)}  ${'bundled'.padStart(8)} ${'+'.padStart(6)}`,
  );
  for (const { name, dist, bundled } of costs) {
    console.log(
      `${name.padEnd(64)} ${dist.rss.toFixed(1).padStart(9)} ${plus(dist.rss - floor).padStart(6)} ${dist.anon.toFixed(1).padStart(5)} ${dist.file.toFixed(1).padStart(5)}  ${bundled.rss.toFixed(1).padStart(8)} ${plus(bundled.rss - floor).padStart(6)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printDependencyRss(await benchDependencyRss(Number(process.env.BENCH_RSS_ROUNDS ?? 3)));
}
