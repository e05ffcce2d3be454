/**
 * Whether a process with this pid exists (signal 0; EPERM means it exists but is not ours). The one
 * implementation: detection re-exports it.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
