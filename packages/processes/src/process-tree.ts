import { type ProcessOptions, resolveOptions, usesPs } from './options.ts';
import { listPids } from './proc-fs.ts';
import { readStat } from './proc-stat.ts';
import { childrenOf, descendantsOf } from './process-table.ts';
import { psTable } from './ps.ts';

async function parentPairs(options: ProcessOptions): Promise<Array<{ pid: number; ppid: number }>> {
  const { procRoot, platform, run } = resolveOptions(options);
  if (platform === 'linux') {
    const pids = await listPids(procRoot);
    const pairs = await Promise.all(
      pids.map(async (pid) => ({ pid, ppid: (await readStat(procRoot, pid))?.ppid ?? null })),
    );
    return pairs.filter((pair): pair is { pid: number; ppid: number } => pair.ppid !== null);
  }
  return usesPs(platform) ? psTable(run) : [];
}

/**
 * `rootPid` and every live descendant of it (children, grandchildren...), root first, then
 * breadth-first. [] when the root is not running. Never throws.
 */
export async function processTree(rootPid: number, options: ProcessOptions = {}): Promise<number[]> {
  const pairs = await parentPairs(options);
  if (!pairs.some((pair) => pair.pid === rootPid)) return [];
  return [rootPid, ...descendantsOf(rootPid, childrenOf(pairs))];
}

/** Is `pid` the process `rootPid` or one of its descendants? Walks up the parent chain. */
export async function isInProcessTree(
  pid: number,
  rootPid: number,
  options: ProcessOptions = {},
): Promise<boolean> {
  const { procRoot, platform } = resolveOptions(options);
  if (platform !== 'linux') return (await processTree(rootPid, options)).includes(pid);
  // The root itself: is it running? Its stat says, no scan of all of /proc.
  if (pid === rootPid) return (await readStat(procRoot, rootPid)) !== null;
  const seen = new Set<number>();
  let current: number | null = pid;
  while (current !== null && current > 0 && !seen.has(current)) {
    if (current === rootPid) return true;
    seen.add(current);
    current = (await readStat(procRoot, current))?.ppid ?? null;
  }
  return false;
}
