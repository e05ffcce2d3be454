import { execFile } from 'node:child_process';
import { listPids, type ProcOptions, readParentPid } from './proc-fs.ts';

export interface ProcessTreeOptions extends ProcOptions {
  /**
   * The (pid, ppid) pairs of every process where /proc is missing (macOS).
   * @default `ps -A -o pid=,ppid=`
   */
  listProcesses?: (() => Promise<Array<{ pid: number; ppid: number }>>) | undefined;
}

function psProcesses(): Promise<Array<{ pid: number; ppid: number }>> {
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid='], { timeout: 2_000, encoding: 'utf8' }, (error, stdout) => {
      if (error) return resolve([]);
      resolve(
        stdout
          .split('\n')
          .map((line) => line.trim().split(/\s+/).map(Number))
          .filter((pair): pair is [number, number] => pair.length === 2 && pair.every(Number.isInteger))
          .map(([pid, ppid]) => ({ pid, ppid })),
      );
    });
  });
}

async function parentPairs(options: ProcessTreeOptions): Promise<Array<{ pid: number; ppid: number }>> {
  const platform = options.platform ?? process.platform;
  if (platform === 'linux') {
    const procRoot = options.procRoot ?? '/proc';
    const pids = await listPids(procRoot);
    const pairs = await Promise.all(
      pids.map(async (pid) => ({ pid, ppid: await readParentPid(procRoot, pid) })),
    );
    return pairs.filter((pair): pair is { pid: number; ppid: number } => pair.ppid !== null);
  }
  if (platform === 'win32') return [];
  return (options.listProcesses ?? psProcesses)();
}

/**
 * `rootPid` and every live descendant of it (children, grandchildren...), root first, then
 * breadth-first. [] when the root is not running. Never throws.
 */
export async function processTree(rootPid: number, options: ProcessTreeOptions = {}): Promise<number[]> {
  const pairs = await parentPairs(options);
  if (!pairs.some((pair) => pair.pid === rootPid)) return [];
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of pairs) {
    if (pid === ppid) continue;
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree = [rootPid];
  const seen = new Set(tree);
  for (let i = 0; i < tree.length; i++) {
    for (const child of children.get(tree[i] as number) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        tree.push(child);
      }
    }
  }
  return tree;
}

/** Is `pid` the process `rootPid` or one of its descendants? Walks up the parent chain. */
export async function isInProcessTree(
  pid: number,
  rootPid: number,
  options: ProcessTreeOptions = {},
): Promise<boolean> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') return (await processTree(rootPid, options)).includes(pid);
  const procRoot = options.procRoot ?? '/proc';
  // The root itself: is it running? Its stat says, no scan of all of /proc.
  if (pid === rootPid) return (await readParentPid(procRoot, rootPid)) !== null;
  const seen = new Set<number>();
  let current: number | null = pid;
  while (current !== null && current > 0 && !seen.has(current)) {
    if (current === rootPid) return true;
    seen.add(current);
    current = await readParentPid(procRoot, current);
  }
  return false;
}
