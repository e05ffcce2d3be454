import { isSupervisorProcess } from '@comfyvisor/detection';
import { readControlPort, readPidFile, readSwitchStatus, switchStatusToWire } from '@comfyvisor/ipc-files';
import { metadataOf, resolveWorkspace } from '../context.ts';
import { describeExit, localTime } from '../event-text.ts';
import { formatDuration, printJson, table } from '../output.ts';
import { type RecentEvents, readRecentEvents } from '../recent-events.ts';

export interface StatusReport {
  workspace: string;
  supervisor: { running: boolean; pid: number | null; control_port: number | null };
  current_env: string | null;
  comfyui: { pid: number; running: boolean; uptime_seconds: number } | null;
  switch: Record<string, unknown> | null;
  /** Restarts, crashes and hangs of the last 24 h and the last exit of ComfyUI, from events.jsonl. */
  events: RecentEvents;
}

/**
 * node:http rather than fetch (loading fetch, i.e. undici, costs ~40 ms of this command's budget), and
 * imported only when a supervisor is there to ask (node:http's own modules cost ~3 ms to load).
 */
async function getJson(url: string): Promise<Record<string, unknown> | null> {
  const { get } = await import('node:http');
  return new Promise((resolve) => {
    const req = get(url, { timeout: 1_500, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body) as Record<string, unknown>) : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Gathers the status from the files and, when a supervisor answers, its control API. */
export async function gatherStatus(workspace: string): Promise<StatusReport> {
  const dir = metadataOf(workspace);
  const [pid, port, status, events] = await Promise.all([
    readPidFile(dir),
    readControlPort(dir),
    readSwitchStatus(dir),
    readRecentEvents(dir),
  ]);
  const alive = pid !== null && isSupervisorProcess(pid);
  const health = alive && port !== null ? await getJson(`http://127.0.0.1:${port}/health`) : null;
  return {
    workspace,
    supervisor: { running: alive, pid: alive ? pid : null, control_port: alive ? port : null },
    current_env: (health?.current_env as string | undefined) ?? null,
    comfyui: (health?.comfyui as StatusReport['comfyui'] | undefined) ?? null,
    switch: status ? switchStatusToWire(status) : null,
    events,
  };
}

export async function statusCommand(options: { workspace?: string; json?: boolean }): Promise<number> {
  const report = await gatherStatus(resolveWorkspace(options.workspace));
  if (options.json) {
    printJson(report);
    return 0;
  }
  const rows: Array<[string, string]> = [['workspace', report.workspace]];
  rows.push([
    'supervisor',
    report.supervisor.running
      ? `running (pid ${report.supervisor.pid}${report.supervisor.control_port ? `, control API http://127.0.0.1:${report.supervisor.control_port}` : ''})`
      : 'not running',
  ]);
  if (report.current_env) rows.push(['environment', report.current_env]);
  if (report.comfyui) {
    rows.push([
      'ComfyUI',
      report.comfyui.running
        ? `running (pid ${report.comfyui.pid}, up ${formatDuration(report.comfyui.uptime_seconds)})`
        : `stopped (pid ${report.comfyui.pid})`,
    ]);
  } else if (report.supervisor.running) rows.push(['ComfyUI', 'not started']);
  const sw = report.switch;
  rows.push([
    'switch',
    sw
      ? `${sw.state} ${sw.progress}%: ${sw.message}${sw.error ? ` (${String(sw.error).split('\n')[0]})` : ''}`
      : 'idle',
  ]);
  const ev = report.events;
  const reasons = Object.entries(ev.restarts_by_reason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  rows.push([
    `last ${ev.window_hours} h`,
    `${plural(ev.restarts, 'restart')}${reasons ? ` (${reasons})` : ''}, ${plural(ev.crashes, 'crash').replace('crashs', 'crashes')}, ${plural(ev.hangs, 'hang')}`,
  ]);
  if (ev.last_exit)
    rows.push([
      'last exit',
      `${localTime(ev.last_exit.time)} ${ev.last_exit.env}: ${describeExit({ ...ev.last_exit, type: 'comfyui_exit' })}, ${ev.last_exit.meaning}`,
    ]);
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}
