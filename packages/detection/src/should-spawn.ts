import { discardStalePidFile, inspectPidFile, metadataDir } from '@comfyvisor/ipc-files';
import { isSupervisorProcess } from './supervisor-process.ts';
import { findWorkspaceRoot } from './workspace.ts';
import type { World } from './world.ts';

export type SpawnDecision =
  | { spawn: false; reason: 'supervised' | 'running'; pid?: number }
  | { spawn: true; reason: 'no_workspace' | 'no_pid_file' | 'stale_pid_removed' };

/**
 * Should this process start a supervisor? No when it is itself supervised
 * (`COMFYGIT_SUPERVISED=1`) or the pid file names a live supervisor. A pid file that is garbage,
 * names a dead process, or names a live process that is not a supervisor (a reused pid) is stale:
 * it is removed (that process is never signalled) and the answer is yes.
 */
export async function shouldSpawnSupervisor(
  world: World & {
    workspace?: string | null | undefined;
    isSupervisor?: ((pid: number) => boolean) | undefined;
  } = {},
): Promise<SpawnDecision> {
  const env = world.env ?? process.env;
  if (env.COMFYGIT_SUPERVISED === '1') return { spawn: false, reason: 'supervised' };
  const workspace = world.workspace === undefined ? findWorkspaceRoot(world) : world.workspace;
  if (!workspace) return { spawn: true, reason: 'no_workspace' };
  const dir = metadataDir(workspace);
  const read = await inspectPidFile(dir);
  if (read.kind !== 'ok') {
    // Missing, or garbage: either way there is no supervisor to believe in. Garbage is removed
    // only while it is still that garbage (a supervisor may be claiming the file right now).
    if (read.kind === 'invalid') await discardStalePidFile(dir, 'invalid');
    return { spawn: true, reason: 'no_pid_file' };
  }
  const pid = read.value;
  const isSupervisor =
    world.isSupervisor ?? ((p: number) => isSupervisorProcess(p, { platform: world.platform }));
  if (isSupervisor(pid)) return { spawn: false, reason: 'running', pid };
  await discardStalePidFile(dir, pid);
  return { spawn: true, reason: 'stale_pid_removed' };
}
