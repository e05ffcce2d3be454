import { isSupervisorProcess } from '@comfyvisor/detection';
import {
  claimPidFile,
  FILE_NAMES,
  releasePidFile,
  verifyPidFile,
  type Watcher,
  watchFile,
} from '@comfyvisor/ipc-files';
import { SupervisorAlreadyRunningError } from './errors.ts';
import type { Logger } from './logger.ts';

export interface PidGuard {
  /** Stops watching and removes the pid file if it still names us. */
  release(): Promise<void>;
}

/**
 * Claims `.orchestrator.pid` (created complete, taken over from a dead or unrelated holder with the
 * guarded step of ipc-files) and keeps watching it: a file removed or garbled by someone is written
 * again; one naming another live supervisor is reported (ComfyUI keeps running: nothing a file
 * holds may stop it).
 */
export async function guardPidFile(
  dir: string,
  logger: Logger,
  options: { pid?: number; isSupervisor?: (pid: number) => boolean } = {},
): Promise<PidGuard> {
  const pid = options.pid ?? process.pid;
  const isSupervisor = options.isSupervisor ?? ((p: number) => isSupervisorProcess(p));
  const claim = await claimPidFile(dir, { pid, isSupervisor, logger });
  if (!claim.ok) throw new SupervisorAlreadyRunningError(claim.holder);
  let reported: number | null = null;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const found = await verifyPidFile(dir, pid);
      if (found === 'ours') return;
      if (typeof found === 'object' && isSupervisor(found.other)) {
        if (reported !== found.other)
          logger.error(
            `${FILE_NAMES.pid} now names another supervisor (pid ${found.other}); two supervisors on one workspace`,
          );
        reported = found.other;
        return;
      }
      logger.warn(
        `${FILE_NAMES.pid} was ${typeof found === 'object' ? `overwritten (pid ${found.other})` : found}; writing ours again`,
      );
      const again = await claimPidFile(dir, { pid, isSupervisor, logger });
      if (!again.ok) logger.error(`could not claim ${FILE_NAMES.pid} again: held by pid ${again.holder}`);
    } finally {
      checking = false;
    }
  };
  const watcher: Watcher = watchFile(dir, FILE_NAMES.pid, () => void check(), { pollMs: 30_000 });
  return {
    async release() {
      watcher.close();
      await releasePidFile(dir, pid).catch(() => false);
    },
  };
}
