import { constants, renameSync, rmSync } from 'node:fs';

/**
 * Flags to append to a log file (with `O_WRONLY` or `O_RDWR`): a symlink is never followed, and a
 * FIFO slipped in between a check and the open fails (`ENXIO`) instead of blocking.
 */
export const APPEND_FLAGS =
  constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Rotates `current`: `rotated(keep - 1)` … `rotated(1)` move one up (the oldest is replaced), then
 * `current` becomes `rotated(1)`; `keep` 0 removes it. Synchronous, so writes queued behind it land
 * in order. Throws when `current` is there but cannot be moved (a read-only folder).
 */
export function rotateFiles(current: string, rotated: (n: number) => string, keep: number): void {
  if (keep <= 0) {
    rmSync(current, { force: true });
    return;
  }
  for (let n = keep - 1; n >= 1; n--) {
    try {
      renameSync(rotated(n), rotated(n + 1));
    } catch {
      // not there yet
    }
  }
  try {
    renameSync(current, rotated(1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // gone already: nothing to rotate
  }
}
