import { type ProcessOptions, resolveOptions } from './options.ts';
import { pidsOwningSockets, readProcCommandLine } from './proc-fs.ts';
import { psCommandLine, psUid } from './ps.ts';
import { readPeerSockets, readTcpRows, TCP_LISTEN } from './tcp-table.ts';

/** A process and its command line (argv; on macOS the `ps` line split at spaces). */
export interface PortProcess {
  pid: number;
  commandLine: string[];
}

/** The process at the other end of a connection, and the user it runs as. */
export interface ConnectionPeer extends PortProcess {
  uid: number;
}

/** `lsof -F` output as rows: `p<pid>` starts a process, `u<uid>` is its user, `n<name>` a file of it. */
function parseLsof(text: string): Array<{ pid: number; uid: number | null; name: string | null }> {
  const rows: Array<{ pid: number; uid: number | null; name: string | null }> = [];
  let pid: number | null = null;
  let uid: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('p')) {
      pid = /^\d+$/.test(line.slice(1)) ? Number(line.slice(1)) : null;
      uid = null;
      if (pid !== null) rows.push({ pid, uid, name: null });
    } else if (line.startsWith('u') && /^\d+$/.test(line.slice(1))) {
      uid = Number(line.slice(1));
      for (const row of rows) if (row.pid === pid) row.uid = uid;
    } else if (line.startsWith('n') && pid !== null) {
      rows.push({ pid, uid, name: line.slice(1) });
    }
  }
  return rows;
}

/**
 * The processes listening on TCP `port` (any address, IPv4 or IPv6). Linux reads /proc/net/tcp*
 * and maps socket inodes to pids through /proc/<pid>/fd; macOS asks `lsof` when it is installed;
 * elsewhere, or when nothing can be read, the answer is []. Never throws.
 */
export async function findPortListeners(port: number, options: ProcessOptions = {}): Promise<PortProcess[]> {
  const { procRoot, platform, run } = resolveOptions(options);
  if (platform === 'linux') {
    const inodes = new Set(
      (await readTcpRows(procRoot, port))
        .filter((entry) => entry.state === TCP_LISTEN && entry.localPort === port && entry.inode > 0)
        .map((entry) => entry.inode),
    );
    const pids = await pidsOwningSockets(procRoot, inodes);
    return Promise.all(
      pids.map(async (pid) => ({ pid, commandLine: await readProcCommandLine(procRoot, pid) })),
    );
  }
  if (platform === 'darwin') {
    const out = await run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fp']);
    if (!out) return [];
    const pids = [...new Set(parseLsof(out).map((row) => row.pid))].sort((a, b) => a - b);
    return Promise.all(pids.map(async (pid) => ({ pid, commandLine: await psCommandLine(run, pid) })));
  }
  return [];
}

/**
 * Who is on the other end of a TCP connection that reached our server on `localPort` from
 * `remotePort` (both on this machine): the process holding the socket whose local port is
 * `remotePort` and remote port is `localPort`, its uid (Linux: the socket's, from /proc/net/tcp;
 * macOS: lsof's) and its command line. The lowest pid when several share it (a parent and the
 * children it forked); null when it cannot be told (another machine, gone, unsupported OS).
 */
export async function findConnectionPeer(
  localPort: number,
  remotePort: number,
  options: ProcessOptions = {},
): Promise<ConnectionPeer | null> {
  const { procRoot, platform, run } = resolveOptions(options);
  if (platform === 'linux') {
    const sockets = await readPeerSockets(procRoot, localPort, remotePort);
    const [pid] = await pidsOwningSockets(procRoot, new Set(sockets.map((s) => s.inode)));
    if (pid === undefined) return null;
    return { pid, uid: sockets[0]?.uid as number, commandLine: await readProcCommandLine(procRoot, pid) };
  }
  if (platform !== 'darwin') return null;
  const out = await run('lsof', ['-nP', `-iTCP:${remotePort}`, '-sTCP:ESTABLISHED', '-Fpun']);
  const [peer] = parseLsof(out ?? '')
    .filter((row) => {
      const match = row.name ? /:(\d+)->.*:(\d+)$/.exec(row.name) : null;
      return match !== null && Number(match[1]) === remotePort && Number(match[2]) === localPort;
    })
    .sort((a, b) => a.pid - b.pid);
  if (peer === undefined) return null;
  const uid = peer.uid ?? (await psUid(run, peer.pid));
  if (uid === null) return null;
  return { pid: peer.pid, uid, commandLine: await psCommandLine(run, peer.pid) };
}

/**
 * The uid on the other end of a TCP connection that reached our server on `localPort` from
 * `remotePort` (this machine): on Linux the socket's owner from /proc/net/tcp alone (no process
 * search, so it is cheap enough for every request), on macOS lsof's. null when it cannot be told.
 */
export async function findConnectionUid(
  localPort: number,
  remotePort: number,
  options: ProcessOptions = {},
): Promise<number | null> {
  const { procRoot, platform } = resolveOptions(options);
  if (platform !== 'linux') return (await findConnectionPeer(localPort, remotePort, options))?.uid ?? null;
  const [socket] = await readPeerSockets(procRoot, localPort, remotePort);
  return socket?.uid ?? null;
}
