import { realpathSync } from 'node:fs';
import path from 'node:path';
import { type ProcessInfo, type ProcessTableOptions, readProcessTable } from './process-table.ts';
import { isSupervisorProcess } from './supervisor-process.ts';

/**
 * Why a process is an orphan: the supervisor its session names is gone, that pid now belongs to
 * something that is not a supervisor, or (matched by its command line or cwd) no supervisor is
 * above it.
 */
export type OrphanReason = 'supervisor_gone' | 'supervisor_pid_reused' | 'no_supervisor';

/** A ComfyUI of this workspace left behind by an earlier supervisor. */
export interface Orphan {
  pid: number;
  commandLine: string[];
  /** The supervisor named by its `__COMFY_CLI_SESSION__` (null when it has none of ours). */
  supervisorPid: number | null;
  reason: OrphanReason;
  /** The environment it runs, from its paths (null when only its session matched). */
  environment: string | null;
  /** Its live descendants (children it started), to be stopped with it. */
  descendants: number[];
}

export interface FindOrphansOptions extends ProcessTableOptions {
  /** Never report this process or its ancestors. @default process.pid */
  selfPid?: number | undefined;
}

const SESSION = /^(.*)[/\\]\.comfyvisor-session-(\d+)$/;

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The environment whose `ComfyUI/` folder holds `p` inside one of these workspace roots. */
function environmentOf(p: string, roots: readonly string[]): string | null {
  for (const root of roots) {
    const prefix = `${root}${path.sep}environments${path.sep}`;
    if (!p.startsWith(prefix)) continue;
    const [name, comfyui] = p.slice(prefix.length).split(path.sep);
    if (name && comfyui === 'ComfyUI') return name;
  }
  return null;
}

/** The supervisor pid of a session path that lives in this workspace's `.metadata/`. */
function sessionSupervisor(session: string | undefined, roots: readonly string[]): number | null {
  const match = session ? SESSION.exec(session) : null;
  if (!match) return null;
  const dir = match[1] as string;
  const metadata = new Set(roots.map((root) => path.join(root, '.metadata')));
  return metadata.has(dir) || metadata.has(real(dir)) ? Number(match[2]) : null;
}

function ancestors(pid: number, byPid: ReadonlyMap<number, ProcessInfo>): number[] {
  const chain: number[] = [];
  let current = byPid.get(pid)?.ppid;
  while (current !== undefined && current > 0 && !chain.includes(current)) {
    chain.push(current);
    current = byPid.get(current)?.ppid;
  }
  return chain;
}

/**
 * The ComfyUI processes of `workspace` left by an earlier supervisor. A process is one when it was
 * supervised (`COMFYGIT_SUPERVISED=1` in its environment, where that can be read) and either its
 * `__COMFY_CLI_SESSION__` is `<workspace>/.metadata/.comfyvisor-session-<pid>` or its command line
 * or cwd lies under `<workspace>/environments/<name>/ComfyUI`; and no live supervisor is above it
 * and the supervisor its session names is not running. Only the top of each orphaned tree is
 * listed (its children are in `descendants`). Linux reads /proc; macOS reads `ps` (command lines
 * only); Windows gets []. Never throws.
 */
export async function findOrphans(workspace: string, options: FindOrphansOptions = {}): Promise<Orphan[]> {
  const table = await readProcessTable(options);
  const byPid = new Map(table.map((info) => [info.pid, info]));
  const self = options.selfPid ?? process.pid;
  const excluded = new Set([self, ...ancestors(self, byPid)]);
  const roots = [...new Set([path.resolve(workspace), real(path.resolve(workspace))])];
  const isSupervisor = (pid: number) =>
    isSupervisorProcess(pid, {
      platform: 'linux',
      isAlive: (p) => byPid.has(p),
      commandLine: (p) => byPid.get(p)?.commandLine.join(' ') ?? null,
    });

  const candidates = new Map<number, Orphan>();
  for (const info of table) {
    if (excluded.has(info.pid)) continue;
    if (info.environ !== null && info.environ.COMFYGIT_SUPERVISED !== '1') continue;
    const supervisorPid = sessionSupervisor(info.environ?.__COMFY_CLI_SESSION__, roots);
    const environment =
      [info.cwd ?? '', ...info.commandLine].map((p) => environmentOf(p, roots)).find((name) => name) ?? null;
    if (supervisorPid === null && environment === null) continue;
    if (ancestors(info.pid, byPid).some(isSupervisor)) continue;
    let reason: OrphanReason = 'no_supervisor';
    if (supervisorPid !== null) {
      if (!byPid.has(supervisorPid)) reason = 'supervisor_gone';
      else if (!isSupervisor(supervisorPid)) reason = 'supervisor_pid_reused';
      else continue; // its supervisor still runs: not ours to judge
    }
    candidates.set(info.pid, {
      pid: info.pid,
      commandLine: info.commandLine,
      supervisorPid,
      reason,
      environment,
      descendants: [],
    });
  }

  const children = new Map<number, number[]>();
  for (const info of table) {
    const siblings = children.get(info.ppid);
    if (siblings) siblings.push(info.pid);
    else children.set(info.ppid, [info.pid]);
  }
  const orphans: Orphan[] = [];
  for (const orphan of candidates.values()) {
    if (ancestors(orphan.pid, byPid).some((pid) => candidates.has(pid))) continue;
    const queue = [...(children.get(orphan.pid) ?? [])];
    for (let i = 0; i < queue.length; i++) queue.push(...(children.get(queue[i] as number) ?? []));
    orphans.push({ ...orphan, descendants: queue });
  }
  return orphans.sort((a, b) => a.pid - b.pid);
}
