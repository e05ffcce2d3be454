import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { findPeerProcess, type PortOwnerOptions } from './port-owner.ts';
import { parseProcNetTcp, peerSocketInodes } from './proc-fs.ts';
import { isInProcessTree, processTree } from './process-tree.ts';

/** The descendants of `pid` through /proc/<pid>/task/<tid>/children (fast: no scan of all of /proc). */
async function childrenOf(procRoot: string, pid: number): Promise<number[] | null> {
  const tasks = await readdir(join(procRoot, String(pid), 'task')).catch(() => null);
  if (tasks === null) return null;
  const children: number[] = [];
  for (const tid of tasks) {
    const text = await readFile(join(procRoot, String(pid), 'task', tid, 'children'), 'utf8').catch(
      () => null,
    );
    if (text === null) return null;
    for (const word of text.split(' ')) if (/^\d+$/.test(word)) children.push(Number(word));
  }
  return children;
}

async function treeOf(procRoot: string, rootPid: number, options: PortOwnerOptions): Promise<number[]> {
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0 && tree.length < 10_000) {
    const pid = queue.shift() as number;
    tree.push(pid);
    const children = await childrenOf(procRoot, pid);
    if (children === null) return processTree(rootPid, options); // no children files: the full scan
    queue.push(...children);
  }
  return tree;
}

/**
 * Whether the client end of a loopback TCP connection that reached us on `localPort` from
 * `remotePort` belongs to `rootPid` or one of its descendants (the panel's proxy inside ComfyUI).
 * On Linux only that tree's file descriptors are looked at (a millisecond or two, not a scan of
 * every process); elsewhere the peer is found first. null when it cannot be told.
 */
export async function isPeerInProcessTree(
  localPort: number,
  remotePort: number,
  rootPid: number,
  options: PortOwnerOptions = {},
): Promise<boolean | null> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    const peer = await findPeerProcess(localPort, remotePort, options);
    return peer ? isInProcessTree(peer.pid, rootPid, options) : null;
  }
  const procRoot = options.procRoot ?? '/proc';
  // /proc/net/tcp costs a few ms to read: the IPv4 table first (the control API binds 127.0.0.1).
  let inodes = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(join(procRoot, 'net', table), 'utf8').catch(() => '');
    inodes = peerSocketInodes(parseProcNetTcp(text), localPort, remotePort);
    if (inodes.size > 0) break;
  }
  if (inodes.size === 0) return null;
  for (const pid of await treeOf(procRoot, rootPid, options)) {
    const fdDir = join(procRoot, String(pid), 'fd');
    for (const fd of await readdir(fdDir).catch(() => [] as string[])) {
      const match = /^socket:\[(\d+)\]$/.exec(await readlink(join(fdDir, fd)).catch(() => ''));
      if (match && inodes.has(Number(match[1]))) return true;
    }
  }
  return false;
}
