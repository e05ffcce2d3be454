import { type ProcessOptions, resolveOptions } from './options.ts';
import { findConnectionPeer } from './port-owner.ts';
import { holdsSocket, readChildPids } from './proc-fs.ts';
import { isInProcessTree, processTree } from './process-tree.ts';
import { readPeerSockets } from './tcp-table.ts';

/** A bound on the processes looked at, whatever /proc says. */
const MAX_TREE = 10_000;

/**
 * Whether the client end of a loopback TCP connection that reached us on `localPort` from
 * `remotePort` belongs to `rootPid` or one of its descendants (the panel's proxy inside ComfyUI).
 * On Linux only that tree's file descriptors are looked at, the root's first (the proxy runs in
 * ComfyUI itself) and its descendants, through /proc/<pid>/task/<tid>/children, only when the root
 * does not hold the socket: a millisecond or two, not a scan of every process. Elsewhere the peer
 * is found first. null when it cannot be told.
 */
export async function isPeerInProcessTree(
  localPort: number,
  remotePort: number,
  rootPid: number,
  options: ProcessOptions = {},
): Promise<boolean | null> {
  const { procRoot, platform } = resolveOptions(options);
  if (platform !== 'linux') {
    const peer = await findConnectionPeer(localPort, remotePort, options);
    return peer ? isInProcessTree(peer.pid, rootPid, options) : null;
  }
  const inodes = new Set((await readPeerSockets(procRoot, localPort, remotePort)).map((s) => s.inode));
  if (inodes.size === 0) return null;
  const tree = [rootPid];
  const seen = new Set(tree);
  for (let i = 0; i < tree.length && i < MAX_TREE; i++) {
    const pid = tree[i] as number;
    if (await holdsSocket(procRoot, pid, inodes)) return true;
    const children = await readChildPids(procRoot, pid);
    if (children === null) {
      // No children files: the full scan, for the processes not looked at yet.
      const checked = new Set(tree.slice(0, i + 1));
      for (const other of await processTree(rootPid, options))
        if (!checked.has(other) && (await holdsSocket(procRoot, other, inodes))) return true;
      return false;
    }
    for (const child of children) {
      if (!seen.has(child)) {
        seen.add(child);
        tree.push(child);
      }
    }
  }
  return false;
}
