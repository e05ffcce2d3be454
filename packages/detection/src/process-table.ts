import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One process as orphan detection sees it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** argv (on macOS the `ps` line split at spaces). */
  commandLine: string[];
  /** null when it cannot be read (another user's process, or not Linux). */
  environ: Record<string, string> | null;
  /** null when it cannot be read. */
  cwd: string | null;
}

export interface ProcessTableOptions {
  /** @default '/proc' */
  procRoot?: string | undefined;
  /** @default process.platform */
  platform?: NodeJS.Platform | undefined;
  /**
   * Where /proc is missing (macOS): every process with its parent and command line.
   * @default `ps -A -ww -o pid=,ppid=,command=`
   */
  listProcesses?: (() => Promise<Array<{ pid: number; ppid: number; command: string }>>) | undefined;
}

function parseEnviron(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

async function readLinuxProcess(procRoot: string, pid: number): Promise<ProcessInfo | null> {
  const dir = join(procRoot, String(pid));
  const [stat, cmdline, environ, cwd] = await Promise.all([
    readFile(join(dir, 'stat'), 'utf8').catch(() => null),
    readFile(join(dir, 'cmdline'), 'utf8').catch(() => ''),
    readFile(join(dir, 'environ'), 'utf8').catch(() => null),
    readlink(join(dir, 'cwd')).catch(() => null),
  ]);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited: nothing to stop, and its environ is gone.
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  const parts = cmdline.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return {
    pid,
    ppid: Number(fields[1]),
    commandLine: parts,
    environ: environ === null ? null : parseEnviron(environ),
    cwd,
  };
}

function psProcesses(): Promise<Array<{ pid: number; ppid: number; command: string }>> {
  return new Promise((resolve) => {
    execFile(
      'ps',
      ['-A', '-ww', '-o', 'pid=,ppid=,command='],
      { timeout: 3_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) return resolve([]);
        const rows = [];
        for (const line of stdout.split('\n')) {
          const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
          if (match)
            rows.push({ pid: Number(match[1]), ppid: Number(match[2]), command: match[3] as string });
        }
        resolve(rows);
      },
    );
  });
}

/** Every live process that can be seen (Linux: /proc; elsewhere `ps`, without environ or cwd). */
export async function readProcessTable(options: ProcessTableOptions = {}): Promise<ProcessInfo[]> {
  const platform = options.platform ?? process.platform;
  if (platform === 'linux') {
    const procRoot = options.procRoot ?? '/proc';
    const names = await readdir(procRoot).catch(() => [] as string[]);
    const pids = names.filter((name) => /^\d+$/.test(name)).map(Number);
    const infos = await Promise.all(pids.map((pid) => readLinuxProcess(procRoot, pid)));
    return infos.filter((info): info is ProcessInfo => info !== null).sort((a, b) => a.pid - b.pid);
  }
  if (platform === 'win32') return [];
  const rows = await (options.listProcesses ?? psProcesses)();
  return rows.map((row) => ({
    pid: row.pid,
    ppid: row.ppid,
    commandLine: row.command.trim().split(/\s+/),
    environ: null,
    cwd: null,
  }));
}
