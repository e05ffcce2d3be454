import { findOrphans } from '@comfyvisor/detection';
import { DEFAULT_CONFIG, metadataDir, readConfig, silentLogger } from '@comfyvisor/ipc-files';
import { resolveWorkspace } from '../context.ts';
import { printJson } from '../output.ts';

export interface StopOrphansOptions {
  workspace?: string;
  json?: boolean;
  /** Seconds between SIGTERM and SIGKILL (default: the config's stop_grace_s). */
  grace?: number;
}

async function graceOf(workspace: string, flag: number | undefined): Promise<number> {
  if (flag !== undefined) return flag; // checked by the option's parser
  const dir = metadataDir(workspace);
  const config = await readConfig(dir, { logger: silentLogger });
  return (config ?? DEFAULT_CONFIG).orchestrator.stopGraceS;
}

/** `comfyvisor stop --orphans`: ends the ComfyUI processes an earlier supervisor left behind. */
export async function stopOrphansCommand(options: StopOrphansOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const graceS = await graceOf(workspace, options.grace);
  const orphans = await findOrphans(workspace);
  const { stopOrphans } = await import('@comfyvisor/supervisor');
  const outcome = await stopOrphans(orphans, graceS * 1000);
  const stopped = orphans.map((o) => ({
    pid: o.pid,
    environment: o.environment,
    supervisor_pid: o.supervisorPid,
    reason: o.reason,
    descendants: o.descendants,
    outcome: outcome.get(o.pid),
  }));
  if (options.json) {
    printJson({ workspace, stopped });
    return 0;
  }
  if (stopped.length === 0) process.stdout.write(`no orphaned ComfyUI in ${workspace}\n`);
  for (const s of stopped) {
    const children = s.descendants.length ? ` and ${s.descendants.length} child process(es)` : '';
    const how = s.outcome === 'killed' ? `killed after ${graceS} s` : 'terminated';
    process.stdout.write(
      `stopped orphan pid ${s.pid}${s.environment ? ` (${s.environment})` : ''}${children}: ${how}\n`,
    );
  }
  return 0;
}
