import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

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

/** NUL-separated text (cmdline) as a list, without the trailing empty entry. */
export function splitNul(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** NUL-separated `NAME=value` entries (environ) as a record. */
export function parseEnviron(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** /proc/<pid>/cmdline as argv (empty when unreadable, e.g. the process is gone). */
export async function readProcCommandLine(procRoot: string, pid: number): Promise<string[]> {
  return splitNul(await readFile(join(procRoot, String(pid), 'cmdline'), 'utf8').catch(() => ''));
}

/** A file of /proc/<pid>, read synchronously; null when it cannot be read. */
export function readProcFileSync(procRoot: string, pid: number, name: string): string | null {
  try {
    return readFileSync(join(procRoot, String(pid), name), 'utf8');
  } catch {
    return null;
  }
}
