import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { describeExit, localTime } from '../event-text.ts';
import { formatDuration, printJson, table } from '../output.ts';
import { gatherStatus, type StatusReport } from '../status-report.ts';

export interface StatusOptions {
  workspace?: string;
  json?: boolean;
}

function supervisorRow(report: StatusReport): string {
  const { running, pid, control_port: port, problem } = report.supervisor;
  if (!running) return 'not running';
  if (problem) return `running (pid ${pid}; control API unusable: ${problem})`;
  return `running (pid ${pid}${port ? `, control API http://127.0.0.1:${port}` : ''})`;
}

function comfyuiRow(report: StatusReport): string | null {
  const c = report.comfyui;
  const from = report.seen_from === 'process_table' ? ', from the process table' : '';
  if (c?.running) {
    const up = c.uptime_seconds === null ? '' : `, up ${formatDuration(c.uptime_seconds)}`;
    const q = c.queue ? `; queue: ${c.queue.running} running, ${c.queue.pending} pending` : '';
    return `running (pid ${c.pid}${up}${from})${q}`;
  }
  if (c) return `stopped (pid ${c.pid})`;
  if (!report.supervisor.running) return null;
  return report.supervisor.problem ? 'not seen in the process table' : 'not started';
}

/** `1.2 GB`, `512 MB`: memory for people. */
function size(bytes: number): string {
  const mb = bytes / 1_048_576;
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

function memoryRows(report: StatusReport): Array<[string, string]> {
  const m = report.comfyui?.running ? report.comfyui.memory : null;
  if (!m) return [];
  const row = (bytes: number | null, limit: number | null, key: string): string | null => {
    if (bytes === null) return null;
    return `${size(bytes)}${limit === null ? '' : ` (restart over ${size(limit)}, ${key})`}`;
  };
  const rows: Array<[string, string]> = [];
  const memory = row(m.rss_bytes, m.rss_limit_bytes, 'restart_rss_mb');
  const vram = row(m.gpu_bytes, m.vram_limit_bytes, 'restart_vram_mb');
  if (memory) rows.push(['memory', memory]);
  if (vram) rows.push(['VRAM', vram]);
  return rows;
}

function eventRows(ev: StatusReport['events']): Array<[string, string]> {
  const reasons = Object.entries(ev.restarts_by_reason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const rows: Array<[string, string]> = [
    [
      `last ${ev.window_hours} h`,
      `${plural(ev.restarts, 'restart')}${reasons ? ` (${reasons})` : ''}, ${plural(ev.crashes, 'crash').replace('crashs', 'crashes')}, ${plural(ev.hangs, 'hang')}`,
    ],
  ];
  if (ev.last_exit)
    rows.push([
      'last exit',
      `${localTime(ev.last_exit.time)} ${ev.last_exit.env}: ${describeExit({ ...ev.last_exit, type: 'comfyui_exit' })}, ${ev.last_exit.meaning}`,
    ]);
  return rows;
}

function statusText(report: StatusReport): string {
  const rows: Array<[string, string]> = [['workspace', report.workspace]];
  rows.push(['supervisor', supervisorRow(report)]);
  if (report.current_env) rows.push(['environment', report.current_env]);
  const comfyui = comfyuiRow(report);
  if (comfyui) rows.push(['ComfyUI', comfyui]);
  const d = report.draining;
  if (d) {
    const waited = formatDuration(Math.max(0, Math.round(Date.now() / 1000 - d.since)));
    const skip = { restart: 'restart', stop: 'stop', switch: 'switch <env>' }[d.action] ?? d.action;
    rows.push([
      'waiting',
      `${d.action} waits for the running prompt${d.prompt_id ? ` ${d.prompt_id}` : ''} (for ${waited}); \`comfyvisor ${skip} --force\` skips the wait`,
    ]);
  }
  rows.push(...memoryRows(report));
  const sw = report.switch;
  rows.push([
    'switch',
    sw
      ? `${sw.state} ${sw.progress}%: ${sw.message}${sw.error ? ` (${String(sw.error).split('\n')[0]})` : ''}`
      : 'idle',
  ]);
  rows.push(...eventRows(report.events));
  return table(rows);
}

/**
 * `comfyvisor status`: the report on stdout; when a supervisor runs but its control API cannot be
 * asked, the report comes from the pid files and the process table, and the reason ends the
 * command as one line on stderr with exit 1.
 */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const report = await gatherStatus(resolveWorkspace(options.workspace));
  if (options.json) printJson(report);
  else process.stdout.write(`${statusText(report)}\n`);
  const problem = report.supervisor.problem;
  if (problem) throw new UserError(`the supervisor's control API cannot be asked: ${problem}`);
  return 0;
}
