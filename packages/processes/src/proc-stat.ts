import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What /proc/<pid>/stat says, the one parser of it. */
export interface ProcStat {
  /** The state letter: R, S, D, Z (zombie), X (dead), T... */
  state: string;
  ppid: number;
  /** The process group. */
  pgid: number;
  /** When it started, in clock ticks since boot (null when the line is short). */
  startTicks: number | null;
}

/**
 * Parses the text of /proc/<pid>/stat. The command name sits in parentheses and may itself hold
 * spaces and parentheses, so the fields are counted from the last `)`. null for a broken line.
 */
export function parseStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // fields[0] is field 3 of proc(5): state, ppid, pgrp, ..., starttime is field 22.
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0] ?? '';
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  if (state === '' || !Number.isInteger(ppid) || !Number.isInteger(pgid)) return null;
  const start = fields[19] === undefined ? Number.NaN : Number(fields[19]);
  return { state, ppid, pgid, startTicks: Number.isSafeInteger(start) ? start : null };
}

export async function readStat(procRoot: string, pid: number): Promise<ProcStat | null> {
  const text = await readFile(join(procRoot, String(pid), 'stat'), 'utf8').catch(() => null);
  return text === null ? null : parseStat(text);
}

export function readStatSync(procRoot: string, pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(join(procRoot, String(pid), 'stat'), 'utf8'));
  } catch {
    return null;
  }
}

/** A zombie (or a dead entry) has exited: nothing to stop, its environ and memory are gone. */
export function hasExited(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X';
}
