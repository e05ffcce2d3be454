import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describeEvent, type EventLine } from '@comfyvisor/cli';
import { FILE_NAMES, metadataDir, readConfig, readStartupState } from '@comfyvisor/ipc-files';
import { describeEnvironments } from './environments.ts';
import { proxyToSupervisor, switchStatusFromFile } from './supervisor-proxy.ts';

/** What the dashboard shows at one moment (pushed whenever it changes). */
export interface DashboardState {
  /** The supervisor's `/health`, or null when none answers. */
  health: Record<string, unknown> | null;
  /** `.switch_status.json` as on disk, or the idle status. */
  switch: Record<string, unknown>;
  environments: string[];
  /** Where ComfyUI listens, for the link that opens it; host null means "the host of this page". */
  comfyui: { host: string | null; port: number } | null;
  log: { file: string | null; lines: string[] };
}

/** One entry of the timeline: the event as on disk, its words, and how to draw it. */
export interface TimelineEntry extends EventLine {
  text: string;
  kind: 'restart' | 'crash' | 'hang' | 'switch-ok' | 'switch-bad' | 'give-up' | 'supervisor' | 'detail';
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);
const LOG_TAIL_BYTES = 32 * 1024;
// A FIFO put where a log belongs must not hold a thread of the pool in open(2); a symlink is not followed.
const LOG_OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** How an event is drawn; `detail` ones (starts, syncs, health checks) are left off the timeline. */
export function timelineEntry(event: EventLine): TimelineEntry {
  const kinds: Record<string, TimelineEntry['kind']> = {
    restart: 'restart',
    hung: 'hang',
    give_up: 'give-up',
    supervisor_start: 'supervisor',
    supervisor_stop: 'supervisor',
  };
  let kind = kinds[event.type] ?? 'detail';
  if (event.type === 'comfyui_exit' && event.meaning === 'crash') kind = 'crash';
  if (event.type === 'switch_end') kind = event.outcome === 'complete' ? 'switch-ok' : 'switch-bad';
  return { ...event, text: describeEvent(event), kind };
}

/** ComfyUI's `--listen` host and `--port` from its argv (the last one wins, as argparse does). */
function listenOf(argv: string[]): { host: string | null; port: number | null } {
  let host: string | null = null;
  let port: number | null = null;
  argv.forEach((arg, i) => {
    const next = argv[i + 1];
    if (arg === '--listen') host = next && !next.startsWith('--') ? (next.split(',')[0] ?? '') : '0.0.0.0';
    if (arg === '--port' && next && /^\d+$/.test(next)) port = Number(next);
  });
  return { host, port };
}

/** Where ComfyUI listens: `.startup_state.json` (written by ComfyUI's side), else the config's defaults. */
export async function comfyuiAddress(workspace: string): Promise<DashboardState['comfyui']> {
  const dir = metadataDir(workspace);
  const startup = await readStartupState(dir);
  const fromArgs = listenOf(startup?.argv ?? []);
  // Reading must not create the config.
  const config = await readConfig(dir).catch(() => null);
  const port = startup?.port ?? fromArgs.port ?? config?.comfyui.defaultPort ?? null;
  if (port === null) return null;
  const host = fromArgs.host ?? config?.comfyui.defaultHost ?? '127.0.0.1';
  return { host: WILDCARD_HOSTS.has(host) ? null : host, port };
}

/**
 * The last lines of ComfyUI's log (or the supervisor's), reading only the last `maxBytes` of a
 * regular file: a directory, FIFO, symlink or unreadable file is passed over.
 */
export async function logTail(
  workspace: string,
  lines: number,
  maxBytes = LOG_TAIL_BYTES,
): Promise<DashboardState['log']> {
  for (const name of [FILE_NAMES.comfyuiLog, FILE_NAMES.log]) {
    const handle = await open(join(metadataDir(workspace), name), LOG_OPEN_FLAGS).catch(() => null);
    if (!handle) continue;
    try {
      const info = await handle.stat();
      if (!info.isFile() || info.size === 0) continue;
      const length = Math.min(info.size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, info.size - length);
      const all = buffer.toString('utf8').split('\n');
      if (length < info.size) all.shift(); // cut in the middle
      return { file: name, lines: all.filter((l) => l !== '').slice(-lines) };
    } catch {
      // unreadable: try the other
    } finally {
      await handle.close().catch(() => {});
    }
  }
  return { file: null, lines: [] };
}

/**
 * Reads everything the dashboard shows but the timeline, from the supervisor and the files. The
 * environments (a folder scan) are read again at most every `environmentsEveryMs`.
 */
export function createDashboardReader(
  workspace: string,
  options: { environmentsEveryMs?: number; now?: () => number } = {},
): () => Promise<DashboardState> {
  const now = options.now ?? Date.now;
  let environments: { at: number; current: string | null; names: string[] } | null = null;
  return async () => {
    const [health, status, comfyui, log] = await Promise.all([
      proxyToSupervisor(workspace, 'health', 1_500),
      switchStatusFromFile(workspace),
      comfyuiAddress(workspace),
      logTail(workspace, 40),
    ]);
    const h = health.status === 200 ? (health.body as Record<string, unknown>) : null;
    const current = typeof h?.current_env === 'string' ? h.current_env : null;
    if (
      !environments ||
      environments.current !== current ||
      now() - environments.at > (options.environmentsEveryMs ?? 2_000)
    ) {
      const body = await describeEnvironments(workspace, current);
      environments = { at: now(), current, names: body.environments.map((e) => e.name) };
    }
    return { health: h, switch: status, environments: environments.names, comfyui, log };
  };
}
