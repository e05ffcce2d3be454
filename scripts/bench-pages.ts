// Which pages of the node binary the supervisor keeps in memory beyond node's own floor, and whose
// they are: most of the supervisor's RSS is file pages of the node binary (V8's compilers, ICU, the
// sources of Node's builtin modules), paged in by what runs. This is how the ICU time zones behind
// node:http's Date header and the Sparkplug compiler were found (docs/performance.md).
// Needs Linux (/proc/<pid>/pagemap) and binutils' readelf and nm for names (without them: totals only).
// `tsx scripts/bench-pages.ts` (BENCH_PAGES_ROUNDS restarts, default 15; BENCH_SETTLE_S, default 20).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { metadataDir, readControlPort } from '@comfyvisor/ipc-files';
import { createWorkspace, freePort, track, waitFor } from '@comfyvisor/testkit';
import { CLI, exit42Round, memoryOf, runBench, sleep, switchRound } from './bench-lib.ts';

const PAGE = 4096;
const NODE = realpathSync(process.execPath);

/** File offsets (page-aligned) of the node binary's pages present in `pid`'s memory. */
function presentPages(pid: number): Set<number> {
  const pages = new Set<number>();
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const [range, , offset, , , path] = line.split(/\s+/);
      if (path !== NODE || !range || !offset) continue;
      const [start, end] = range.split('-').map((h) => Number.parseInt(h, 16)) as [number, number];
      const count = (end - start) / PAGE;
      const entries = Buffer.alloc(count * 8);
      readSync(fd, entries, 0, entries.length, (start / PAGE) * 8);
      for (let i = 0; i < count; i++) {
        if (entries.readBigUInt64LE(i * 8) >> 63n) pages.add(Number.parseInt(offset, 16) + i * PAGE);
      }
    }
  } finally {
    closeSync(fd);
  }
  return pages;
}

const tool = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  } catch {
    return null;
  }
};

interface Names {
  section(offset: number): string;
  /** Symbol families (`v8::internal::Scavenger`, `icu_78::TimeZone`...) with code or data in the page. */
  symbols(offset: number): string[];
}

/** Sections and symbols of the node binary by file offset, from readelf and nm (null: no binutils). */
function namesOf(): Names | null {
  const sectionsText = tool('readelf', ['-SW', NODE]);
  const segmentsText = tool('readelf', ['-lW', NODE]);
  const symbolsText = tool('nm', ['-C', '-S', '--defined-only', NODE]);
  if (!sectionsText || !segmentsText || !symbolsText) return null;
  const hex = (h: string | undefined) => Number.parseInt(h ?? '', 16);
  const sections = [
    ...sectionsText.matchAll(/\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/g),
  ].map((m) => ({ name: m[1] as string, off: hex(m[2]), size: hex(m[3]) }));
  const loads = [
    ...segmentsText.matchAll(/LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/g),
  ].map((m) => ({ off: hex(m[1]), vaddr: hex(m[2]), size: hex(m[3]) }));
  const toOffset = (vaddr: number) => {
    const seg = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.size);
    return seg ? vaddr - seg.vaddr + seg.off : null;
  };
  // [offset, size, family]: the family is a symbol's first three `::` parts (V8 builtins as one)
  const symbols: Array<[number, number, string]> = [];
  for (const line of symbolsText.split('\n')) {
    const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?[tTwWrRdDvV] (.+)$/.exec(line);
    const off = m ? toOffset(hex(m[1])) : null;
    if (!m || off === null) continue;
    const name = (m[3] as string).replace(/^(?:void|bool|int|auto|unsigned long) /, '');
    const family = name.startsWith('Builtins_')
      ? 'V8 builtins (embedded)'
      : (name.split('(')[0] ?? name).split('::').slice(0, 3).join('::').replace(/<.*$/, '');
    symbols.push([off, m[2] ? hex(m[2]) : 0, family]);
  }
  symbols.sort((a, b) => a[0] - b[0]);
  const firstAtOrAfter = (off: number) => {
    let lo = 0;
    let hi = symbols.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((symbols[mid] as [number, number, string])[0] < off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const fd = openSync(NODE, 'r');
  const page = Buffer.alloc(PAGE);
  return {
    section: (off) => sections.find((s) => off + PAGE > s.off && off < s.off + s.size)?.name ?? '(none)',
    symbols: (off) => {
      const out = new Set<string>();
      const first = firstAtOrAfter(off);
      // the symbol the page starts inside (e.g. one 30 MB ICU data array), then those starting in it
      for (let i = first - 1; i >= Math.max(0, first - 50); i--) {
        const [start, size, family] = symbols[i] as [number, number, string];
        if (start + size > off) out.add(family);
        if (size > 0) break;
      }
      for (
        let i = first;
        i < symbols.length && (symbols[i] as [number, number, string])[0] < off + PAGE;
        i++
      ) {
        out.add((symbols[i] as [number, number, string])[2]);
      }
      if (out.size === 0) {
        // node's builtin modules are unnamed arrays: their JS text reads as text, the code cache does not
        readSync(fd, page, 0, PAGE, off);
        let printable = 0;
        for (const byte of page) if ((byte >= 32 && byte < 127) || byte === 10) printable++;
        out.add(
          printable > PAGE * 0.9
            ? '(unnamed: JS source text of node builtins)'
            : '(unnamed data: code cache, tables)',
        );
      }
      return [...out];
    },
  };
}

async function main() {
  if (process.platform !== 'linux') throw new Error('bench-pages needs Linux (/proc/<pid>/pagemap)');
  const rounds = Number(process.env.BENCH_PAGES_ROUNDS ?? 15);
  const ws = await createWorkspace({
    config: { orchestrator: { sync_enabled: false, control_port_range: [await freePort(), 65000] } },
  });
  const dir = metadataDir(ws.root);
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
  const floor = track(
    spawn(process.execPath, ['--input-type=module', '-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' }),
  );
  await waitFor(() => readControlPort(dir));
  await ws.waitForEvent({ event: 'listening' });
  // what `pnpm bench` does to it: restarts, then a switch there and back
  for (let i = 0; i < rounds; i++) await exit42Round(ws, port);
  for (const target of ['env2', 'env1'] as const) await switchRound(ws, port, target);
  await sleep(Number(process.env.BENCH_SETTLE_S ?? 20) * 1000);

  const base = presentPages(floor.pid as number);
  const mine = presentPages(sup.pid as number);
  const extra = [...mine].filter((p) => !base.has(p)).sort((a, b) => a - b);
  const mb = (pages: number) => `${((pages * PAGE) / 1048576).toFixed(2)} MB`;
  console.log(`\nnode binary pages in memory: floor ${mb(base.size)}, supervisor ${mb(mine.size)}`);
  console.log(
    `supervisor RSS ${memoryOf(sup.pid as number).rss.toFixed(1)} MB; its pages the floor does not have: ${mb(extra.length)}\n`,
  );
  const names = namesOf();
  if (!names) {
    console.log('(readelf/nm not found: install binutils for sections and symbols)');
    return;
  }
  const bySection = new Map<string, number>();
  const byFamily = new Map<string, number>();
  for (const page of extra) {
    bySection.set(names.section(page), (bySection.get(names.section(page)) ?? 0) + 1);
    for (const family of names.symbols(page)) byFamily.set(family, (byFamily.get(family) ?? 0) + 1);
  }
  console.log(
    'by section (.text: code, V8\u2019s embedded builtins included; .rodata: builtin modules\u2019 sources and code cache, ICU data)',
  );
  for (const [name, pages] of [...bySection].sort((a, b) => b[1] - a[1]))
    console.log(`  ${mb(pages).padStart(9)}  ${name}`);
  console.log(
    '\nsymbol families in those pages (a page can hold several; the kernel maps 64 KB around each touch)',
  );
  for (const [name, pages] of [...byFamily].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${String(pages).padStart(5)} pages  ${name.slice(0, 90)}`);
  }
}

runBench(main);
