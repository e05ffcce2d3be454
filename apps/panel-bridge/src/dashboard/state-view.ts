import type { DashboardState } from '../dashboard-wire.ts';
import { post } from './api.ts';
import { comfyuiHref } from './comfyui-link.ts';
import { byId, duration } from './dom.ts';
import { messageList, type Note } from './messages.ts';
import type { SwitchStatusView } from './outcome.ts';
import { renderEnvironments, renderSwitch } from './switch-section.ts';
import type { DashboardView } from './view.ts';

interface Comfyui {
  pid?: number;
  running?: boolean;
  uptime_seconds?: number;
  queue?: { running: number; pending: number } | null;
}

interface Draining {
  action?: string;
  since?: number;
  prompt_id?: string | null;
}

/** What a planned stop is waiting for, and how to skip it ('' when nothing waits). */
export function drainingLine(d: Draining | null | undefined, nowS: number): string {
  if (!d?.action) return '';
  const waited = typeof d.since === 'number' ? ` for ${duration(Math.max(0, nowS - d.since))}` : '';
  const prompt = d.prompt_id ? ` ${d.prompt_id}` : '';
  return `${d.action} waits for the running prompt${prompt} to finish${waited}; “no wait” skips it`;
}

/** The uptime line, counted on every second between the bridge's pushes. */
function uptimeClock(): { tick: () => void; set: (seconds: number | null) => void } {
  let uptime: { seconds: number; at: number } | null = null;
  const tick = () => {
    byId('uptime').textContent = uptime ? duration(uptime.seconds + (Date.now() - uptime.at) / 1000) : '—';
  };
  const set = (seconds: number | null) => {
    uptime = seconds === null ? null : { seconds, at: Date.now() };
    tick();
  };
  return { tick, set };
}

/** Draws the supervisor and ComfyUI lines and what a stop waits for; ComfyUI's uptime when it runs. */
function renderProcesses(h: DashboardState['health'], uptime: ReturnType<typeof uptimeClock>): void {
  byId('supervisor').textContent = h ? `running (pid ${h.pid})` : 'not running';
  byId('supervisor').className = h ? 'ok' : 'bad';
  const c = (h?.comfyui ?? null) as Comfyui | null;
  const running = !!c?.running;
  const queue = c?.queue ? `; ${c.queue.running} running, ${c.queue.pending} pending` : '';
  byId('comfyui').textContent = c
    ? running
      ? `running (pid ${c.pid}, up ${c.uptime_seconds} s${queue})`
      : 'stopped'
    : 'down';
  byId('draining').textContent = drainingLine(h?.draining as Draining | null, Date.now() / 1000);
  byId('comfyui').className = running ? 'ok' : 'bad';
  uptime.set(running ? (c?.uptime_seconds ?? 0) : null);
}

/** The link that opens ComfyUI, or why there is none. */
function renderComfyuiLink(comfyui: DashboardState['comfyui']): void {
  const link = byId<HTMLAnchorElement>('comfyui-link');
  const href = comfyuiHref(comfyui, new URL(location.href));
  if (href) {
    link.href = href;
    link.textContent = `Open ComfyUI (${link.host})`;
  } else {
    link.removeAttribute('href');
    link.textContent = comfyui
      ? `ComfyUI listens on port ${comfyui.port} of the server`
      : 'ComfyUI’s address is not known yet';
  }
}

/** The restart and stop buttons, each also "no wait" (`force`); stop asks first. */
function wireRestartAndStop(note: Note): void {
  for (const force of [false, true]) {
    const how = force ? ' (no wait)' : '';
    byId(force ? 'restart-now' : 'restart').onclick = async () => {
      const r = await post('v2/comfygit/orchestrator/restart', force ? { force } : undefined);
      note(r.status === 200 ? `Restart${how} requested` : `Restart failed: ${r.body?.error}`);
    };
    byId(force ? 'stop-now' : 'stop').onclick = async () => {
      if (!confirm(`Stop ComfyUI and the supervisor${how}?`)) return;
      const r = await post('v2/comfygit/orchestrator/kill', force ? { force } : undefined);
      note(r.status === 200 ? `Stop${how} requested` : `Stop failed: ${r.body?.error}`);
    };
  }
}

/** The state section, the switch section with its buttons, and the log tail. */
export function stateView(): DashboardView {
  const note = messageList();
  const uptime = uptimeClock();
  return {
    start() {
      wireRestartAndStop(note);
      setInterval(uptime.tick, 1000);
    },
    onState(st) {
      const h = st.health;
      renderProcesses(h, uptime);
      renderComfyuiLink(st.comfyui);
      const current = typeof h?.current_env === 'string' ? h.current_env : null;
      byId('current-env').textContent = current || '—';
      const busy = renderSwitch((st.switch ?? { state: 'idle' }) as SwitchStatusView, note);
      renderEnvironments(st.environments ?? [], current, busy, note);
      byId('log').textContent = st.log ? st.log.lines.join('\n') : '';
    },
  };
}
