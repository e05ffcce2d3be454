import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProcessOptions, resolveOptions, usesPs } from './options.ts';
import { listPids, parseEnviron, splitNul } from './proc-fs.ts';
import { hasExited, parseStat } from './proc-stat.ts';
import { psTable, splitCommand } from './ps.ts';

/** One running process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** argv (on macOS the `ps` line split at spaces). */
  commandLine: string[];
  /** null when it cannot be read (another user's process, or not Linux). */
  environ: Record<string, string> | null;
  /** null when it cannot be read. */
  cwd: string | null;
  /** Clock ticks since boot (Linux); null elsewhere. Compare two processes' starts with it. */
  startTicks: number | null;
}

async function readLinuxProcess(procRoot: string, pid: number): Promise<ProcessInfo | null> {
  const dir = join(procRoot, String(pid));
  const [stat, cmdline, environ, cwd] = await Promise.all([
    readFile(join(dir, 'stat'), 'utf8').catch(() => null),
    readFile(join(dir, 'cmdline'), 'utf8').catch(() => ''),
    readFile(join(dir, 'environ'), 'utf8').catch(() => null),
    readlink(join(dir, 'cwd')).catch(() => null),
  ]);
  const parsed = stat === null ? null : parseStat(stat);
  if (parsed === null || hasExited(parsed)) return null;
  return {
    pid,
    ppid: parsed.ppid,
    commandLine: splitNul(cmdline),
    environ: environ === null ? null : parseEnviron(environ),
    cwd,
    startTicks: parsed.startTicks,
  };
}

/**
 * Every live process that can be seen, by pid (Linux: /proc, zombies left out; macOS: `ps`,
 * without environ or cwd; Windows: []). Never throws.
 */
export async function listProcesses(options: ProcessOptions = {}): Promise<ProcessInfo[]> {
  const { procRoot, platform, run } = resolveOptions(options);
  if (platform === 'linux') {
    const infos = await Promise.all((await listPids(procRoot)).map((pid) => readLinuxProcess(procRoot, pid)));
    return infos.filter((info): info is ProcessInfo => info !== null);
  }
  if (!usesPs(platform)) return [];
  return (await psTable(run))
    .map((row) => ({
      pid: row.pid,
      ppid: row.ppid,
      commandLine: splitCommand(row.command),
      environ: null,
      cwd: null,
      startTicks: null,
    }))
    .sort((a, b) => a.pid - b.pid);
}

/** The children of each pid, in the order given. The one place this map is built. */
export function childrenOf(table: ReadonlyArray<{ pid: number; ppid: number }>): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of table) {
    if (pid === ppid) continue;
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  return children;
}

/** The descendants of `pid` (not itself), breadth-first, each once, at most `limit` of them. */
export function descendantsOf(
  pid: number,
  children: ReadonlyMap<number, readonly number[]>,
  limit = 100_000,
): number[] {
  const seen = new Set([pid]);
  const found: number[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length && found.length < limit; i++) {
    for (const child of children.get(queue[i] as number) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The parent chain of `pid` (its parent first), stopping at pid 0 or a loop. */
export function ancestorsOf(pid: number, parents: ReadonlyMap<number, { ppid: number }>): number[] {
  const chain: number[] = [];
  let current = parents.get(pid)?.ppid;
  while (current !== undefined && current > 0 && current !== pid && !chain.includes(current)) {
    chain.push(current);
    current = parents.get(current)?.ppid;
  }
  return chain;
}
