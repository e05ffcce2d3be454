import { readFileSync } from 'node:fs';
import { isProcessAlive, type Orphan } from '@comfyvisor/detection';

/** Alive and not a zombie (an orphan's zombie waits for init to reap it: it has stopped). */
function isRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // The group first (ComfyUI leads its own group when a supervisor started it), then the pid.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // not a group leader, or already gone
    }
  }
}

/** SIGTERM to each orphan's group and its descendants, SIGKILL to whatever is left after the grace. */
export async function stopOrphans(
  orphans: Orphan[],
  graceMs: number,
): Promise<Map<number, 'terminated' | 'killed'>> {
  const outcome = new Map<number, 'terminated' | 'killed'>();
  const members = (o: Orphan) => [o.pid, ...o.descendants];
  for (const orphan of orphans) for (const pid of members(orphan)) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  const alive = (o: Orphan) => members(o).some(isRunning);
  while (orphans.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const orphan of orphans) {
    if (alive(orphan)) {
      for (const pid of members(orphan)) signal(pid, 'SIGKILL');
      outcome.set(orphan.pid, 'killed');
    } else outcome.set(orphan.pid, 'terminated');
  }
  return outcome;
}
