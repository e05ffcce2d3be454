import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type ProcessOptions, resolveOptions, usesPs } from './options.ts';
import { parseEnviron, readProcFileSync, splitNul } from './proc-fs.ts';
import { hasExited, readStatSync } from './proc-stat.ts';
import { psCommandLineSync, psStateAndStart } from './ps.ts';
import { isProcessAlive } from './signals.ts';

/**
 * Alive and not a zombie (an exited process its parent has not reaped yet has stopped all the
 * same). Linux reads /proc/<pid>/stat; macOS asks `ps` only for a pid that answers signal 0.
 */
export function isProcessRunning(pid: number, options: ProcessOptions = {}): boolean {
  const { procRoot, platform, runSync } = resolveOptions(options);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (platform === 'linux') {
    const stat = readStatSync(procRoot, pid);
    return stat !== null && !hasExited(stat);
  }
  if (!isProcessAlive(pid)) return false;
  if (!usesPs(platform)) return true;
  const found = psStateAndStart(runSync, pid);
  return found === null ? true : found.state !== 'Z';
}

/** The command line of `pid` as argv (macOS: the `ps` line split at spaces); null when unreadable. */
export function readCommandLine(pid: number, options: ProcessOptions = {}): string[] | null {
  const { procRoot, platform, runSync } = resolveOptions(options);
  if (platform === 'linux') {
    const raw = readProcFileSync(procRoot, pid, 'cmdline');
    return raw === null || raw === '' ? null : splitNul(raw);
  }
  return usesPs(platform) ? psCommandLineSync(runSync, pid) : null;
}

/**
 * The environment `pid` was started with (Linux: /proc/<pid>/environ, readable for our own
 * user's processes); null when it cannot be read (another user's, gone, or not Linux).
 */
export function readEnvironment(pid: number, options: ProcessOptions = {}): Record<string, string> | null {
  const { procRoot, platform } = resolveOptions(options);
  if (platform !== 'linux') return null;
  const raw = readProcFileSync(procRoot, pid, 'environ');
  return raw === null ? null : parseEnviron(raw);
}

/** The working folder of `pid` (Linux: /proc/<pid>/cwd); null when it cannot be read or elsewhere. */
export function readWorkingDirectory(pid: number, options: ProcessOptions = {}): string | null {
  const { procRoot, platform } = resolveOptions(options);
  if (platform !== 'linux') return null;
  try {
    return readlinkSync(join(procRoot, String(pid), 'cwd'));
  } catch {
    return null;
  }
}
