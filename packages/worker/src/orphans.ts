import { readFileSync, readlinkSync } from 'node:fs';
import { isProcessGroupAlive as groupAlive, signalProcessGroup as signalGroup } from '@comfyvisor/processes';

/** Does `pid` still look like a process of this environment (pid-reuse guard, Linux /proc)? */
export function belongsTo(pid: number, environmentDir: string, environmentName: string): boolean {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    if (cwd === environmentDir || cwd.startsWith(`${environmentDir}/`)) return true;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(environmentName);
  } catch {
    return false;
  }
}

/**
 * Ends what a previous worker left running for an instance (its saved pid's process group, after
 * the pid-reuse check): SIGTERM, then SIGKILL after `graceMs`. Resolves true when it ended one.
 */
export async function endOrphan(
  pid: number | null,
  environmentDir: string,
  environmentName: string,
  graceMs: number,
): Promise<boolean> {
  if (pid === null || pid === process.pid || !belongsTo(pid, environmentDir, environmentName)) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  return true;
}
