import { type ProcessOptions, resolveOptions, usesPs } from './options.ts';
import { hasExited, readStatSync } from './proc-stat.ts';
import { psStateAndStart } from './ps.ts';

/**
 * A process as it was when it was looked at: its pid and when it started. A pid is reused once its
 * process is gone; the start time tells the new holder from the one we knew.
 */
export interface ProcessIdentity {
  pid: number;
  /** Opaque: `ticks:<n>` (Linux, clock ticks since boot) or `ms:<n>` (macOS, `ps` lstart). */
  start: string;
}

function startOf(pid: number, options: ProcessOptions): string | null {
  const { procRoot, platform, runSync } = resolveOptions(options);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  if (platform === 'linux') {
    const stat = readStatSync(procRoot, pid);
    return stat === null || hasExited(stat) || stat.startTicks === null ? null : `ticks:${stat.startTicks}`;
  }
  if (!usesPs(platform)) return null;
  const found = psStateAndStart(runSync, pid);
  return found === null || found.state === 'Z' ? null : `ms:${found.startMs}`;
}

/** Who holds `pid` now (null when nothing runs there, or its start cannot be read). */
export function processIdentity(pid: number, options: ProcessOptions = {}): ProcessIdentity | null {
  const start = startOf(pid, options);
  return start === null ? null : { pid, start };
}

/**
 * Is this still the process we looked at? false when it has exited, or when its pid now belongs
 * to a process that started at another time (a reused pid). Never throws.
 */
export function isSameProcess(identity: ProcessIdentity, options: ProcessOptions = {}): boolean {
  return startOf(identity.pid, options) === identity.start;
}
