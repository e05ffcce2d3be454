import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isSupervisorProcess } from '@comfyvisor/detection';
import { FILE_NAMES } from '@comfyvisor/ipc-files';
import { SupervisorAlreadyRunningError } from './errors.ts';

/**
 * Writes our pid into `.orchestrator.pid`, created exclusively so two supervisors starting at
 * once cannot both believe they hold the workspace. A pid file naming a live supervisor refuses
 * the start; one naming a dead process or an unrelated one (a reused pid) is replaced, and that
 * process is left alone.
 */
export async function claimPidFile(
  dir: string,
  isSupervisor: (pid: number) => boolean = (pid) => isSupervisorProcess(pid),
): Promise<void> {
  const path = join(dir, FILE_NAMES.pid);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = (await readFile(path, 'utf8').catch(() => '')).trim();
    const pid = /^\d+$/.test(text) ? Number(text) : null;
    if (pid === null && text === '' && attempt === 0) {
      // being written by a racer right now: look again
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    if (pid !== null && pid !== process.pid && isSupervisor(pid))
      throw new SupervisorAlreadyRunningError(pid);
    await rm(path, { force: true });
  }
  throw new SupervisorAlreadyRunningError(-1);
}
