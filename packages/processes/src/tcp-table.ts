import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One row of /proc/net/tcp or tcp6. */
export interface TcpEntry {
  localPort: number;
  remotePort: number;
  /** The kernel's state number: 0x0A listen, 0x01 established. */
  state: number;
  /** The user the socket belongs to (the column beside the inode). */
  uid: number;
  inode: number;
}

export const TCP_LISTEN = 0x0a;
export const TCP_ESTABLISHED = 0x01;

function portOf(address: string | undefined): number {
  const hex = address?.split(':')[1];
  return hex ? Number.parseInt(hex, 16) : Number.NaN;
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6 (the header and bad rows are skipped). */
export function parseProcNetTcp(text: string): TcpEntry[] {
  const entries: TcpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const entry = {
      localPort: portOf(fields[1]),
      remotePort: portOf(fields[2]),
      state: Number.parseInt(fields[3] ?? '', 16),
      uid: Number(fields[7]),
      inode: Number(fields[9]),
    };
    if (Object.values(entry).every(Number.isFinite)) entries.push(entry);
  }
  return entries;
}

/** Every TCP socket of this network namespace, IPv4 and IPv6. */
export async function readTcpTable(procRoot: string): Promise<TcpEntry[]> {
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((name) => readFile(join(procRoot, 'net', name), 'utf8').catch(() => '')),
  );
  return tables.flatMap(parseProcNetTcp);
}

/**
 * The client end of a loopback connection that reached a server on `localPort` from `remotePort`:
 * the established sockets whose own port is `remotePort` and peer port `localPort`. The IPv4 table
 * first (the control API binds 127.0.0.1; a table costs a few ms on a busy machine), tcp6 only
 * when IPv4 has none.
 */
export async function readPeerSockets(
  procRoot: string,
  localPort: number,
  remotePort: number,
): Promise<TcpEntry[]> {
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(join(procRoot, 'net', table), 'utf8').catch(() => '');
    const found = parseProcNetTcp(text).filter(
      (e) =>
        e.state === TCP_ESTABLISHED &&
        e.localPort === remotePort &&
        e.remotePort === localPort &&
        e.inode > 0,
    );
    if (found.length > 0) return found;
  }
  return [];
}
