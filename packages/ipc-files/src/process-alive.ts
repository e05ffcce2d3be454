/**
 * Whether a process with this pid exists (signal 0; EPERM means it exists but is not ours). What
 * the protocol itself needs (is a lock's owner, a temp file's writer alive?); ipc-files is a leaf,
 * so it keeps this one. Everything else about processes is @comfyvisor/processes'.
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
