/** Human words for the supervisor's events (`events.jsonl`), shared by `events` and `status`. */
import { UserError } from './errors.ts';

export interface EventLine {
  time: number;
  type: string;
  [key: string]: unknown;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `1h`, `2d` (also `45s`, `1w`) as milliseconds; anything else is the user's mistake (exit 2). */
export function parseSince(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = match ? UNITS[(match[2] as string).toLowerCase()] : undefined;
  if (!match || unit === undefined || !Number.isFinite(amount) || amount <= 0)
    throw new UserError(`--since must be a duration like 30m, 1h or 2d, not "${text}"`, 2);
  return amount * unit;
}

const str = (v: unknown) => (typeof v === 'string' ? v : String(v ?? '?'));
const seconds = (ms: unknown) =>
  typeof ms === 'number' && Number.isFinite(ms)
    ? `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`
    : '?';

/** How an exit of ComfyUI reads: `exit code 1`, `signal SIGKILL`. */
export function describeExit(event: EventLine): string {
  if (typeof event.signal === 'string' && event.signal) return `signal ${event.signal}`;
  return `exit code ${event.code ?? '?'}`;
}

const MEANINGS: Record<string, string> = {
  stop: 'a clean exit',
  restart: 'it asked for a restart',
  switch: 'it asked for a switch',
  crash: 'a crash',
};

const RESTART_REASONS: Record<string, string> = {
  exit_42: 'ComfyUI asked (exit 42)',
  command: 'restart command',
  manager: 'ComfyUI-Manager asked',
  crash: 'after a crash',
  hung: 'it had stopped answering',
  fatal_output: 'a fatal line in its output',
  memory: 'its memory passed restart_rss_mb',
  vram: 'its GPU memory passed restart_vram_mb',
  schedule: 'restart_daily_at',
};

const DRAIN_OUTCOMES: Record<string, string> = {
  finished: 'the prompt finished',
  timeout: 'drain_timeout_s ran out',
  forced: 'a forced command cut it short',
  exited: 'ComfyUI exited on its own',
};

/** One event in words, without its time. */
export function describeEvent(e: EventLine): string {
  const env = str(e.env);
  switch (e.type) {
    case 'supervisor_start':
      return `supervisor started (pid ${e.pid}) with ${env}`;
    case 'supervisor_stop':
      return `supervisor stopped: ${str(e.reason)} (exit ${e.exitCode})`;
    case 'comfyui_start':
      return `ComfyUI started in ${env} (pid ${e.pid})`;
    case 'comfyui_ready':
      return `ComfyUI in ${env} (pid ${e.pid}) answers, after ${seconds(e.afterMs)}`;
    case 'comfyui_exit':
      return `ComfyUI exited in ${env} (pid ${e.pid}, ${describeExit(e)}): ${MEANINGS[str(e.meaning)] ?? str(e.meaning)}`;
    case 'restart':
      return `restarting ${env}: ${RESTART_REASONS[str(e.reason)] ?? str(e.reason)}${restartDetail(e)}`;
    case 'sync':
      if (e.skipped) return `sync of ${env} skipped${e.reason ? ` (${str(e.reason)})` : ''}`;
      return e.ok ? `synced ${env} in ${seconds(e.durationMs)}` : `sync of ${env} failed: ${str(e.reason)}`;
    case 'switch_start':
      return `switch ${e.source ? `${str(e.source)} → ` : 'to '}${str(e.target)} started`;
    case 'switch_end': {
      const what = `switch ${e.source ? `${str(e.source)} → ` : 'to '}${str(e.target)}`;
      const outcome = str(e.outcome).replace(/_/g, ' ');
      return `${what} ${outcome} after ${seconds(e.durationMs)}${e.error ? `: ${str(e.error).split('\n')[0]}` : ''}`;
    }
    case 'health':
      return `${env} ${e.healthy ? 'healthy' : 'not healthy'} after ${seconds(e.afterMs)}`;
    case 'hung':
      return `ComfyUI in ${env} (pid ${e.pid}) stopped answering (${e.failures} failed probes)${e.stack_dump ? "; its threads' stacks are in comfyui.log" : ''}`;
    case 'drain_start':
      return `${str(e.action)} waits for the running prompt (${e.running} running, ${e.pending} pending taken out of the queue)`;
    case 'drain_end':
      return `${str(e.action)} waited ${seconds(e.durationMs)}: ${DRAIN_OUTCOMES[str(e.outcome)] ?? str(e.outcome)}`;
    case 'requeue':
      return `${e.count} pending prompt(s) queued again on the new ComfyUI in ${env}${Number(e.failed) > 0 ? `, ${e.failed} refused` : ''}`;
    case 'prompts_dropped':
      return `${e.pending} pending prompt(s) left behind in ${env}: ${str(e.reason)}`;
    case 'prompts_lost': {
      const ids = Array.isArray(e.prompt_ids) ? e.prompt_ids.map(String) : [];
      const running = ids.length ? `prompt ${ids.join(', ')} was running` : 'a prompt was running';
      return `work lost when ComfyUI in ${env} ended: ${running}, ${e.pending} pending`;
    }
    case 'backoff':
      return `waiting ${seconds(e.delayMs)} before starting ${env} again (failure ${e.crashes})`;
    case 'give_up':
      return `gave up on ${env} after ${e.crashes} failures (last: ${str(e.lastExit)})`;
    default: {
      const { time: _t, type, ...rest } = e;
      const detail = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return `${str(type)}${detail ? ` ${detail}` : ''}`.slice(0, 500);
    }
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2025-01-02 13:04:05` in local time. */
export function localTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A whole line of `comfyvisor events`. */
export function formatEvent(e: EventLine): string {
  return `${localTime(e.time)}  ${describeEvent(e)}`;
}

/** What a watchdog saw: the fatal line, the figure over its limit, the listed time. */
function restartDetail(e: Record<string, unknown>): string {
  const mb = (n: unknown) => `${Math.round(Number(n) / 1_048_576)} MB`;
  if (typeof e.line === 'string') return ` (${e.line.slice(0, 200)})`;
  if (typeof e.bytes === 'number')
    return typeof e.limitBytes === 'number' ? ` (${mb(e.bytes)} > ${mb(e.limitBytes)})` : ` (${mb(e.bytes)})`;
  if (typeof e.at === 'string') return ` (${e.at})`;
  return '';
}
