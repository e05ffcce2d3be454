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
  let delivered = false;
  for (const target of platform === 'win32' ? [pid] : [-pid, pid]) {
    try {
      process.kill(target, signal);
      delivered = true;
    } catch {
      // not a group leader, or already gone
    }
  }
  return delivered;
}
