import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process of a fake /proc tree. */
export interface FakeProcess {
  pid: number;
  ppid?: number;
  /** argv, written NUL-separated to `cmdline`. */
  cmdline?: string[];
  /** written NUL-separated to `environ`. */
  environ?: Record<string, string>;
  /** the target of the `cwd` link. */
  cwd?: string;
  /** socket inodes this process holds (fd links `socket:[inode]`). */
  sockets?: number[];
  /** the command name in `stat` (may hold spaces and parentheses, as the kernel allows). @default 'python3' */
  comm?: string;
  /** The `stat` state letter. @default 'S' */
  state?: string;
}

/** A socket row of /proc/net/tcp (IPv4) or tcp6. */
export interface FakeSocket {
  inode: number;
  localPort: number;
  remotePort?: number;
  /** @default 'listen' */
  state?: 'listen' | 'established' | 'time_wait';
  /** @default 4 */
  family?: 4 | 6;
}

export interface FakeProc {
  root: string;
  addProcess(process: FakeProcess): void;
  cleanup(): void;
}

const STATES = { listen: '0A', established: '01', time_wait: '06' } as const;
const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

function tcpTable(sockets: FakeSocket[]): string {
  const header =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  return (
    header +
    sockets
      .map((s, i) => {
        const host = s.family === 6 ? '00000000000000000000000001000000' : '0100007F';
        const remote = s.remotePort ?? 0;
        const remoteHost = remote === 0 ? host.replace(/./g, '0') : host;
        return `  ${i}: ${host}:${hex(s.localPort, 4)} ${remoteHost}:${hex(remote, 4)} ${STATES[s.state ?? 'listen']} 00000000:00000000 00:00000000 00000000  1000        0 ${s.inode} 1 0000000000000000 100 0 0 10 0`;
      })
      .join('\n') +
    '\n'
  );
}

/**
 * A fake Linux /proc in a temp dir, for unit tests of code that takes a `procRoot`:
 * net/tcp and net/tcp6, and per process cmdline, environ, stat (with the ppid) and fd links.
 */
export function createFakeProc(
  options: { sockets?: FakeSocket[]; processes?: FakeProcess[] } = {},
): FakeProc {
  const root = mkdtempSync(join(tmpdir(), 'comfyvisor-fake-proc-'));
  const sockets = options.sockets ?? [];
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net', 'tcp'), tcpTable(sockets.filter((s) => (s.family ?? 4) === 4)));
  writeFileSync(join(root, 'net', 'tcp6'), tcpTable(sockets.filter((s) => s.family === 6)));
  mkdirSync(join(root, 'self'));
  const addProcess = (p: FakeProcess) => {
    const dir = join(root, String(p.pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    writeFileSync(join(dir, 'cmdline'), p.cmdline ? `${p.cmdline.join('\0')}\0` : '');
    const environ = Object.entries(p.environ ?? {}).map(([k, v]) => `${k}=${v}\0`);
    writeFileSync(join(dir, 'environ'), environ.join(''));
    writeFileSync(
      join(dir, 'stat'),
      `${p.pid} (${p.comm ?? 'python3'}) ${p.state ?? 'S'} ${p.ppid ?? 1} ${p.pid} ${p.pid} 0 -1 4194304 0 0\n`,
    );
    symlinkSync('/dev/null', join(dir, 'fd', '0'));
    if (p.cwd) symlinkSync(p.cwd, join(dir, 'cwd'));
    (p.sockets ?? []).forEach((inode, i) => {
      symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(i + 3)));
    });
  };
  for (const p of options.processes ?? []) addProcess(p);
  return { root, addProcess, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
