import type { Orphan } from '@comfyvisor/detection';
import {
  isSameProcess,
  type ProcessIdentity,
  processIdentity,
  signalProcessGroup,
} from '@comfyvisor/processes';

/**
 * SIGTERM to each orphan's group and its descendants, SIGKILL to whatever is left after the grace.
 * Each process is known by its identity (pid and start time) taken before the first signal: a pid
 * that a later process has taken meanwhile is never signalled again.
 */
export async function stopOrphans(
  orphans: Orphan[],
  graceMs: number,
): Promise<Map<number, 'terminated' | 'killed'>> {
  const outcome = new Map<number, 'terminated' | 'killed'>();
  const members = new Map<number, ProcessIdentity[]>(
    orphans.map((o) => [
      o.pid,
      [o.pid, ...o.descendants]
        .map((pid) => processIdentity(pid))
        .filter((id): id is ProcessIdentity => id !== null),
    ]),
  );
  const running = (o: Orphan) => (members.get(o.pid) ?? []).filter((id) => isSameProcess(id));
  for (const orphan of orphans) for (const id of running(orphan)) signalProcessGroup(id.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (orphans.some((o) => running(o).length > 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  for (const orphan of orphans) {
    const left = running(orphan);
    for (const id of left) signalProcessGroup(id.pid, 'SIGKILL');
    outcome.set(orphan.pid, left.length > 0 ? 'killed' : 'terminated');
  }
  return outcome;
}
