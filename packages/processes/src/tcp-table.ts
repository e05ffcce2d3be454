import { join } from 'node:path';
import { readTable } from './table-reader.ts';

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

const NEWLINE = 0x0a;

function portOf(address: string | undefined): number {
  const hex = address?.split(':')[1];
  return hex ? Number.parseInt(hex, 16) : Number.NaN;
}

/** One row's text as an entry; null for the header and broken rows. */
function parseRow(line: string): TcpEntry | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 10) return null;
  const entry = {
    localPort: portOf(fields[1]),
    remotePort: portOf(fields[2]),
    state: Number.parseInt(fields[3] ?? '', 16),
    uid: Number(fields[7]),
    inode: Number(fields[9]),
  };
  return Object.values(entry).every(Number.isFinite) ? entry : null;
}

/** A port as the table writes it: four upper-case hex digits after the address's colon. */
function portColumn(port: number): Buffer {
  return Buffer.from(`:${port.toString(16).toUpperCase().padStart(4, '0')} `, 'latin1');
}

/**
 * The rows of a table (its raw bytes) that name `port`, locally or remotely. Only those rows are
 * turned into strings: on a busy machine the table holds thousands of rows (every TIME_WAIT of a
 * storm of closing clients), and splitting it whole for every request is what grew the heap.
 */
export function rowsNamingPort(table: Buffer, port: number): TcpEntry[] {
  const column = portColumn(port);
  const rows: TcpEntry[] = [];
  for (let at = table.indexOf(column); at !== -1; at = table.indexOf(column, at)) {
    const start = table.lastIndexOf(NEWLINE, at) + 1;
    const newline = table.indexOf(NEWLINE, at);
    const end = newline === -1 ? table.length : newline;
    // The header (start 0) never parses; a row naming the port twice is read once.
    const entry = start === 0 ? null : parseRow(table.toString('latin1', start, end));
    if (entry) rows.push(entry);
    at = end;
  }
  return rows;
}

/** The TCP sockets of this network namespace that name `port`, IPv4 and IPv6. */
export async function readTcpRows(procRoot: string, port: number): Promise<TcpEntry[]> {
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((name) =>
      readTable(join(procRoot, 'net', name), (bytes) => rowsNamingPort(bytes, port)),
    ),
  );
  return tables.flat();
}

/**
 * The client end of a loopback connection that reached a server on `localPort` from `remotePort`:
 * the established sockets whose own port is `remotePort` and peer port `localPort`. The IPv4 table
 * first (the control API binds 127.0.0.1; a table costs a few ms on a busy machine), tcp6 only
 * when IPv4 has none. The tables are read into a kept buffer and searched for the port, so a
 * request costs no garbage in proportion to the machine's sockets, and a burst shares reads.
 */
export async function readPeerSockets(
  procRoot: string,
  localPort: number,
  remotePort: number,
): Promise<TcpEntry[]> {
  for (const table of ['tcp', 'tcp6']) {
    const rows = await readTable(join(procRoot, 'net', table), (bytes) => rowsNamingPort(bytes, remotePort));
    const found = rows.filter(
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
