let counter = 0;

/**
 * A suffix for temp and set-aside names: `<pid>.<counter><random>`. The pid keeps names of
 * different processes apart (and lets `cleanupStaleTempFiles` find a dead writer's leftovers), the
 * counter those of one process. Not `node:crypto`: loading it costs the supervisor ~2 MB of RSS.
 */
export function uniqueSuffix(pid: number = process.pid): string {
  counter = (counter + 1) % 0x100000;
  return `${pid}.${counter.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
