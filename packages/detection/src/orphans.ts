import { realpathSync } from 'node:fs';
import path from 'node:path';
import {
  ancestorsOf,
  childrenOf,
  descendantsOf,
  listProcesses,
  type ProcessInfo,
  type ProcessOptions,
} from '@comfyvisor/processes';
import { isSupervisorCommandLine } from './supervisor-process.ts';

/**
 * Why a process is an orphan: the supervisor its session names is gone, that pid now belongs to
 * something that is not its supervisor, or (matched by its command line or cwd) no supervisor is
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

export interface FindOrphansOptions extends ProcessOptions {
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

/**
 * Is `supervisor` the process that started `child`? A supervisor (by its command line) that
 * started no later than the child: a process that started after it cannot have (a reused pid).
 */
function startedIt(supervisor: ProcessInfo, child: ProcessInfo): boolean {
  if (!isSupervisorCommandLine(supervisor.commandLine, () => supervisor.cwd)) return false;
  return (
    supervisor.startTicks === null || child.startTicks === null || supervisor.startTicks <= child.startTicks
  );
}

/** Why `info` is an orphan, or null when it is not one (or not ours to judge). */
function orphanReason(
  info: ProcessInfo,
  supervisorPid: number | null,
  byPid: ReadonlyMap<number, ProcessInfo>,
): OrphanReason | null {
  const above = ancestorsOf(info.pid, byPid).map((pid) => byPid.get(pid) as ProcessInfo);
  if (above.some((ancestor) => ancestor && isSupervisorCommandLine(ancestor.commandLine, () => ancestor.cwd)))
    return null;
  if (supervisorPid === null) return 'no_supervisor';
  const named = byPid.get(supervisorPid);
  if (named === undefined) return 'supervisor_gone';
  // its supervisor still runs (not necessarily as its parent): not ours to judge
  return startedIt(named, info) ? null : 'supervisor_pid_reused';
}

/**
 * The ComfyUI processes of `workspace` left by an earlier supervisor. A process is one when it was
 * supervised (`COMFYGIT_SUPERVISED=1` in its environment, where that can be read) and either its
 * `__COMFY_CLI_SESSION__` is `<workspace>/.metadata/.comfyvisor-session-<pid>` or its command line
 * or cwd lies under `<workspace>/environments/<name>/ComfyUI`; and no live supervisor is above it
 * and the supervisor its session names is not running (or its pid now holds a later process).
 * Only the top of each orphaned tree is listed (its children are in `descendants`). Linux reads
 * /proc; macOS reads `ps` (command lines only); Windows gets []. Never throws.
 */
export async function findOrphans(workspace: string, options: FindOrphansOptions = {}): Promise<Orphan[]> {
  const table = await listProcesses(options);
  const byPid = new Map(table.map((info) => [info.pid, info]));
  const self = options.selfPid ?? process.pid;
  const excluded = new Set([self, ...ancestorsOf(self, byPid)]);
  const roots = [...new Set([path.resolve(workspace), real(path.resolve(workspace))])];

  const candidates = new Map<number, Omit<Orphan, 'descendants'>>();
  for (const info of table) {
    if (excluded.has(info.pid)) continue;
    if (info.environ !== null && info.environ.COMFYGIT_SUPERVISED !== '1') continue;
    const supervisorPid = sessionSupervisor(info.environ?.__COMFY_CLI_SESSION__, roots);
    const environment =
      [info.cwd ?? '', ...info.commandLine].map((p) => environmentOf(p, roots)).find((name) => name) ?? null;
    if (supervisorPid === null && environment === null) continue;
    const reason = orphanReason(info, supervisorPid, byPid);
    if (reason === null) continue;
    const { pid, commandLine } = info;
    candidates.set(pid, { pid, commandLine, supervisorPid, reason, environment });
  }

  const children = childrenOf(table);
  return [...candidates.values()]
    .filter((orphan) => !ancestorsOf(orphan.pid, byPid).some((pid) => candidates.has(pid)))
    .map((orphan) => ({ ...orphan, descendants: descendantsOf(orphan.pid, children) }))
    .sort((a, b) => a.pid - b.pid);
}
