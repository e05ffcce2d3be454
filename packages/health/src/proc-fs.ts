import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Where Linux's process information lives, injectable so unit tests can build a fake /proc. */
export interface ProcOptions {
  /** @default '/proc' */
  procRoot?: string | undefined;
  /** @default process.platform */
  platform?: NodeJS.Platform | undefined;
}

/** One row of /proc/net/tcp or tcp6. */
export interface TcpEntry {
  localPort: number;
  remotePort: number;
  /** The kernel's state number: 0x0A listen, 0x01 established. */
  state: number;
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
      inode: Number(fields[9]),
    };
    if (Object.values(entry).every(Number.isFinite)) entries.push(entry);
  }
  return entries;
}

/**
 * The inodes of the client end of a loopback connection that reached a server on `localPort` from
 * `remotePort`: the established sockets whose own port is `remotePort` and peer port `localPort`.
 */
function peerSocketInodes(entries: readonly TcpEntry[], localPort: number, remotePort: number): Set<number> {
  return new Set(
    entries
      .filter(
        (e) =>
          e.state === TCP_ESTABLISHED &&
          e.localPort === remotePort &&
          e.remotePort === localPort &&
          e.inode > 0,
      )
      .map((e) => e.inode),
  );
}

/** Every TCP socket of this network namespace, IPv4 and IPv6. */
export async function readTcpTable(procRoot: string): Promise<TcpEntry[]> {
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((name) => readFile(join(procRoot, 'net', name), 'utf8').catch(() => '')),
  );
  return tables.flatMap(parseProcNetTcp);
}

/** The pids listed in /proc, ascending. */
export async function listPids(procRoot: string): Promise<number[]> {
  const names = await readdir(procRoot).catch(() => [] as string[]);
  return names
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Does `pid` hold a file descriptor on any of these socket inodes? false when its fds cannot be read. */
export async function holdsSocket(
  procRoot: string,
  pid: number,
  inodes: ReadonlySet<number>,
): Promise<boolean> {
  const fdDir = join(procRoot, String(pid), 'fd');
  for (const fd of await readdir(fdDir).catch(() => [] as string[])) {
    const match = /^socket:\[(\d+)\]$/.exec(await readlink(join(fdDir, fd)).catch(() => ''));
    if (match && inodes.has(Number(match[1]))) return true;
  }
  return false;
}

/**
 * The pids holding a file descriptor on any of these socket inodes (`socket:[inode]` links under
 * /proc/<pid>/fd). Processes whose fds cannot be read (another user's, or gone) are skipped.
 */
export async function pidsOwningSockets(procRoot: string, inodes: ReadonlySet<number>): Promise<number[]> {
  if (inodes.size === 0) return [];
  const owners: number[] = [];
  for (const pid of await listPids(procRoot)) if (await holdsSocket(procRoot, pid, inodes)) owners.push(pid);
  return owners;
}

/**
 * {@link peerSocketInodes} read from /proc/net: the IPv4 table first (the control API binds
 * 127.0.0.1; a table costs a few ms on a busy machine), tcp6 only when IPv4 has none.
 */
export async function readPeerSocketInodes(
  procRoot: string,
  localPort: number,
  remotePort: number,
): Promise<Set<number>> {
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(join(procRoot, 'net', table), 'utf8').catch(() => '');
    const inodes = peerSocketInodes(parseProcNetTcp(text), localPort, remotePort);
    if (inodes.size > 0) return inodes;
  }
  return new Set();
}

/**
 * The children of `pid` from /proc/<pid>/task/<tid>/children (no scan of all of /proc); null when
 * they cannot be read (a kernel without those files, or the process is gone).
 */
export async function readChildPids(procRoot: string, pid: number): Promise<number[] | null> {
  const taskDir = join(procRoot, String(pid), 'task');
  const tasks = await readdir(taskDir).catch(() => null);
  if (tasks === null) return null;
  const children: number[] = [];
  for (const tid of tasks) {
    const text = await readFile(join(taskDir, tid, 'children'), 'utf8').catch(() => null);
    if (text === null) return null;
    for (const word of text.split(' ')) if (/^\d+$/.test(word)) children.push(Number(word));
  }
  return children;
}

/** /proc/<pid>/cmdline as argv (empty when unreadable, e.g. the process is gone). */
export async function readProcCommandLine(procRoot: string, pid: number): Promise<string[]> {
  const raw = await readFile(join(procRoot, String(pid), 'cmdline'), 'utf8').catch(() => '');
  const parts = raw.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** The parent pid from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export async function readParentPid(procRoot: string, pid: number): Promise<number | null> {
  const stat = await readFile(join(procRoot, String(pid), 'stat'), 'utf8').catch(() => null);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}
