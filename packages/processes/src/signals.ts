/** What became of a signal: delivered, no such process, or it exists but is not ours to signal. */
export type SignalOutcome = 'delivered' | 'gone' | 'denied';

/** The one place a signal is sent: `target` is a pid, or minus a group's leader. Never throws. */
export function sendSignal(target: number, signal: NodeJS.Signals | 0): SignalOutcome {
  try {
    process.kill(target, signal);
    return 'delivered';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'denied' : 'gone';
  }
}

/**
 * Whether a process with this pid exists (signal 0; a process of another user counts). A zombie
 * counts too: use `isProcessRunning` to leave it out.
 */
export function isProcessAlive(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0 && sendSignal(pid, 0) !== 'gone';
}

/**
 * Sends `signal` to the process group `pid` leads and then to `pid` itself (a process started in
 * its own group leads it; one that is not a leader still gets the signal). On Windows, where
 * there are no groups, the pid alone. true when either was delivered. Never throws.
 */
export function signalProcessGroup(
  pid: number,
  signal: NodeJS.Signals,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  const targets = platform === 'win32' ? [pid] : [-pid, pid];
  return targets.map((target) => sendSignal(target, signal)).includes('delivered');
}

/** Whether the process group `pgid` leads still has a member (of any user). */
export function isProcessGroupAlive(pgid: number): boolean {
  return Number.isSafeInteger(pgid) && pgid > 1 && sendSignal(-pgid, 0) !== 'gone';
}
