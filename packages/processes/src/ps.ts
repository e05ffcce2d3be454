import type { RunCommand, RunCommandSync } from './options.ts';

/** One row of `ps -A -ww -o pid=,ppid=,command=`. */
export interface PsRow {
  pid: number;
  ppid: number;
  command: string;
}

/** Parses `pid ppid command...` rows (the command may hold spaces). */
export function parsePsTable(text: string): PsRow[] {
  const rows: PsRow[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s?(.*)$/.exec(line);
    if (match)
      rows.push({ pid: Number(match[1]), ppid: Number(match[2]), command: (match[3] as string).trim() });
  }
  return rows;
}

/** Every process with its parent and command line, from `ps` ([] when it cannot be run). */
export async function psTable(run: RunCommand): Promise<PsRow[]> {
  return parsePsTable((await run('ps', ['-A', '-ww', '-o', 'pid=,ppid=,command='])) ?? '');
}

/** A `ps` command line as argv: split at spaces (ps does not keep the boundaries). */
export function splitCommand(command: string): string[] {
  const trimmed = command.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/** The command line of one process from `ps` ([] when it is gone). */
export async function psCommandLine(run: RunCommand, pid: number): Promise<string[]> {
  return splitCommand((await run('ps', ['-ww', '-o', 'command=', '-p', String(pid)])) ?? '');
}

export function psCommandLineSync(runSync: RunCommandSync, pid: number): string[] | null {
  const out = runSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)]);
  return out === null || out.trim() === '' ? null : splitCommand(out);
}

/** `ps -o stat=,lstart=`: the state letter and the start time (ms since the epoch), or null. */
export function psStateAndStart(
  runSync: RunCommandSync,
  pid: number,
): { state: string; startMs: number } | null {
  const out = runSync('ps', ['-o', 'stat=,lstart=', '-p', String(pid)])?.trim();
  const match = out ? /^(\S+)\s+(.+)$/.exec(out) : null;
  if (!match) return null;
  const startMs = Date.parse(match[2] as string);
  return Number.isFinite(startMs) ? { state: (match[1] as string).charAt(0), startMs } : null;
}

/** The resident set of these processes in bytes, from `ps -o rss=` (KiB). */
export async function psResidentBytes(run: RunCommand, pids: readonly number[]): Promise<number> {
  if (pids.length === 0) return 0;
  const out = (await run('ps', ['-o', 'rss=', '-p', pids.join(',')])) ?? '';
  let total = 0;
  for (const word of out.split(/\s+/)) if (/^\d+$/.test(word)) total += Number(word) * 1024;
  return total;
}

/** The owner of a process, from `ps -o uid=` (null when it is gone). */
export async function psUid(run: RunCommand, pid: number): Promise<number | null> {
  const word = (await run('ps', ['-o', 'uid=', '-p', String(pid)]))?.trim() ?? '';
  return /^\d+$/.test(word) ? Number(word) : null;
}
