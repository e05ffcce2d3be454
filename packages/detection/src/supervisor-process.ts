import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isProcessAlive } from '@comfyvisor/ipc-files';

/** Words whose presence in a command line marks a supervisor: ours, or the Python orchestrator. */
const SUPERVISOR_MARKERS = ['comfyvisor', 'orchestrator.py', '@comfyvisor/cli', 'apps/cli/dist/'];

/** The command line of `pid` (null when it cannot be read). */
export function readCommandLine(pid: number, platform: NodeJS.Platform = process.platform): string | null {
  try {
    if (platform === 'linux') {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').join(' ').trim() || null;
    }
    if (platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd') {
      return (
        execFileSync('ps', ['-o', 'command=', '-p', String(pid)], {
          encoding: 'utf8',
          timeout: 2_000,
        }).trim() || null
      );
    }
  } catch {
    return null;
  }
  return null;
}

export interface SupervisorCheck {
  platform?: NodeJS.Platform | undefined;
  /** @default isProcessAlive */
  isAlive?: ((pid: number) => boolean) | undefined;
  /** @default /proc/<pid>/cmdline, or `ps` on macOS */
  commandLine?: ((pid: number) => string | null) | undefined;
}

/**
 * Is `pid` alive and really a supervisor (comfyvisor or the Python orchestrator) rather than an
 * unrelated process that got a reused pid? Where the command line cannot be read (Windows), a
 * live pid is trusted.
 */
export function isSupervisorProcess(pid: number, check: SupervisorCheck = {}): boolean {
  const platform = check.platform ?? process.platform;
  if (!(check.isAlive ?? isProcessAlive)(pid)) return false;
  if (platform === 'win32') return true;
  const line = (check.commandLine ?? ((p: number) => readCommandLine(p, platform)))(pid);
  if (line === null) return platform !== 'linux';
  return SUPERVISOR_MARKERS.some((marker) => line.includes(marker));
}
