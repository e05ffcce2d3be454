import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOrphans, isProcessAlive, type Orphan } from '@comfyvisor/detection';
import { DEFAULT_CONFIG, FILE_NAMES, loadConfig, metadataDir, silentLogger } from '@comfyvisor/ipc-files';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { printJson } from '../output.ts';

export interface StopOrphansOptions {
  workspace?: string;
  json?: boolean;
  /** Seconds between SIGTERM and SIGKILL (default: the config's stop_grace_s). */
  grace?: string;
}

/** Alive and not a zombie (an orphan's zombie waits for init to reap it: it has stopped). */
function isRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // The group first (ComfyUI leads its own group when a supervisor started it), then the pid.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // not a group leader, or already gone
    }
  }
}

async function graceOf(workspace: string, flag: string | undefined): Promise<number> {
  if (flag !== undefined) {
    const seconds = Number(flag);
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new UserError(`--grace must be a number of seconds, not "${flag}"`, 2);
    return seconds;
  }
  const dir = metadataDir(workspace);
  if (!existsSync(join(dir, FILE_NAMES.config))) return DEFAULT_CONFIG.orchestrator.stopGraceS;
  return (await loadConfig(dir, { logger: silentLogger })).orchestrator.stopGraceS;
}

/** SIGTERM to each orphan's group and its descendants, SIGKILL to whatever is left after the grace. */
async function stopAll(orphans: Orphan[], graceMs: number): Promise<Map<number, 'terminated' | 'killed'>> {
  const outcome = new Map<number, 'terminated' | 'killed'>();
  const members = (o: Orphan) => [o.pid, ...o.descendants];
  for (const orphan of orphans) for (const pid of members(orphan)) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  const alive = (o: Orphan) => members(o).some(isRunning);
  while (orphans.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const orphan of orphans) {
    if (alive(orphan)) {
      for (const pid of members(orphan)) signal(pid, 'SIGKILL');
      outcome.set(orphan.pid, 'killed');
    } else outcome.set(orphan.pid, 'terminated');
  }
  return outcome;
}

/** `comfyvisor stop --orphans`: ends the ComfyUI processes an earlier supervisor left behind. */
export async function stopOrphansCommand(options: StopOrphansOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const graceS = await graceOf(workspace, options.grace);
  const orphans = await findOrphans(workspace);
  const outcome = await stopAll(orphans, graceS * 1000);
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
