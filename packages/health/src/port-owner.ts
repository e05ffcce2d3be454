import { execFile } from 'node:child_process';
import {
  type ProcOptions,
  pidsOwningSockets,
  readPeerSocketInodes,
  readProcCommandLine,
  readTcpTable,
  TCP_LISTEN,
} from './proc-fs.ts';

/** A process and its command line (argv; on macOS the `ps` line split at spaces). */
export interface PortProcess {
  pid: number;
  commandLine: string[];
}

export interface PortOwnerOptions extends ProcOptions {
  /**
   * Runs a command (`lsof`, `ps` on macOS) and resolves with its stdout, or null when it is not
   * installed or failed without output. @default execFile with a 2 s timeout
   */
  run?: ((file: string, args: string[]) => Promise<string | null>) | undefined;
}

function runCommand(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 2_000, encoding: 'utf8' }, (error, stdout) => {
      // lsof exits 1 when nothing matched: that is an empty answer, not a failure.
      resolve(error && !stdout ? ((error as NodeJS.ErrnoException).code === 'ENOENT' ? null : '') : stdout);
    });
  });
}

function resolveOptions(options: PortOwnerOptions) {
  return {
    procRoot: options.procRoot ?? '/proc',
    platform: options.platform ?? process.platform,
    run: options.run ?? runCommand,
  };
}

/** `lsof -F` output as (pid, name) pairs: `p<pid>` starts a process, `n<name>` names a file of it. */
function parseLsof(text: string): Array<{ pid: number; name: string | null }> {
  const rows: Array<{ pid: number; name: string | null }> = [];
  let pid: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('p')) {
      pid = Number(line.slice(1));
      if (Number.isInteger(pid)) rows.push({ pid, name: null });
    } else if (line.startsWith('n') && pid !== null && Number.isInteger(pid)) {
      rows.push({ pid, name: line.slice(1) });
    }
  }
  return rows;
}

async function psCommandLine(run: NonNullable<PortOwnerOptions['run']>, pid: number): Promise<string[]> {
  const line = (await run('ps', ['-ww', '-o', 'command=', '-p', String(pid)]))?.trim() ?? '';
  return line === '' ? [] : line.split(/\s+/);
}

/**
 * The processes listening on TCP `port` (any address, IPv4 or IPv6). Linux reads /proc/net/tcp*
 * and maps socket inodes to pids through /proc/<pid>/fd; macOS asks `lsof` when it is installed;
 * elsewhere, or when nothing can be read, the answer is []. Never throws.
 */
export async function findPortListeners(
  port: number,
  options: PortOwnerOptions = {},
): Promise<PortProcess[]> {
  const { procRoot, platform, run } = resolveOptions(options);
  if (platform === 'linux') {
    const inodes = new Set(
      (await readTcpTable(procRoot))
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
 * `remotePort` and remote port is `localPort`. The lowest pid when several share it (a parent and
 * the children it forked); null when it cannot be told (another machine, gone, unsupported OS).
 */
export async function findPeerProcess(
  localPort: number,
  remotePort: number,
  options: PortOwnerOptions = {},
): Promise<{ pid: number } | null> {
  const { procRoot, platform, run } = resolveOptions(options);
  if (platform === 'linux') {
    const [pid] = await pidsOwningSockets(
      procRoot,
      await readPeerSocketInodes(procRoot, localPort, remotePort),
    );
    return pid === undefined ? null : { pid };
  }
  if (platform === 'darwin') {
    const out = await run('lsof', ['-nP', `-iTCP:${remotePort}`, '-sTCP:ESTABLISHED', '-Fpn']);
    const pids = parseLsof(out ?? '')
      .filter((row) => {
        const match = row.name ? /:(\d+)->.*:(\d+)$/.exec(row.name) : null;
        return match !== null && Number(match[1]) === remotePort && Number(match[2]) === localPort;
      })
      .map((row) => row.pid)
      .sort((a, b) => a - b);
    return pids[0] === undefined ? null : { pid: pids[0] };
  }
  return null;
}
