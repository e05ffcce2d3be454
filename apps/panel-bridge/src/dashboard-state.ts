import { join } from 'node:path';
import { describeEvent, type EventLine } from '@comfyvisor/cli';
import { comfyuiAddress as parseComfyuiAddress } from '@comfyvisor/health';
import { FILE_NAMES, metadataDir, readConfig, readStartupState } from '@comfyvisor/ipc-files';
import type { DashboardState, TimelineKind } from './dashboard-wire.ts';
import { describeEnvironments } from './environments.ts';
import { readTailLines } from './read-tail.ts';
import { proxyToSupervisor, switchStatusFromFile } from './supervisor-proxy.ts';

/** One entry of the timeline: the event as on disk, its words, and how to draw it. */
export interface TimelineEntry extends EventLine {
  text: string;
  kind: TimelineKind;
}

const LOG_TAIL_BYTES = 32 * 1024;

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

/** Hosts that mean "this machine" to a browser on it: the link then uses the page's own host. */
const LOCAL_HOSTS = new Set(['0.0.0.0', '::', '[::]', '', '127.0.0.1', '::1', 'localhost']);

/**
 * Where ComfyUI listens: `.startup_state.json` (written by ComfyUI's side; its argv read by
 * health's `comfyuiAddress`, so `--port=N` and `--listen=H` count), else the config's defaults.
 * A loopback or wildcard host is given as null: the page links to its own host, which is
 * ComfyUI's machine whenever ComfyUI can be reached from the browser at all.
 */
export async function comfyuiAddress(workspace: string): Promise<DashboardState['comfyui']> {
  const dir = metadataDir(workspace);
  const startup = await readStartupState(dir);
  // Reading must not create the config.
  const config = await readConfig(dir).catch(() => null);
  const defaults = { host: config?.comfyui.defaultHost, port: config?.comfyui.defaultPort };
  if (!startup && defaults.port === undefined) return null;
  const fromArgs = parseComfyuiAddress(startup?.argv ?? [], defaults);
  const port = startup?.port ?? fromArgs.port;
  return { host: LOCAL_HOSTS.has(fromArgs.host) ? null : fromArgs.host, port };
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
    const tail = await readTailLines(join(metadataDir(workspace), name), maxBytes);
    if (tail && tail.length > 0) return { file: name, lines: tail.slice(-lines) };
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
