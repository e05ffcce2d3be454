import type { DashboardState } from '../dashboard-wire.ts';
import { post } from './api.ts';
import { comfyuiHref } from './comfyui-link.ts';
import { byId, duration, make } from './dom.ts';
import { type SwitchStatusView, switchBusy, switchLine, switchOutcome } from './outcome.ts';
import type { DashboardView } from './view.ts';

const MESSAGES_MAX = 8;

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

/** The state section, the switch section with its buttons, and the log tail. */
export function stateView(): DashboardView {
  let current: string | null = null;
  let busy = false;
  let lastMessage = '';
  let uptime: { seconds: number; at: number } | null = null;

  const note = (text: string) => {
    if (!text || text === lastMessage) return;
    lastMessage = text;
    const list = byId('messages');
    list.appendChild(make('li', text));
    while (list.children.length > MESSAGES_MAX) list.firstElementChild?.remove();
  };
  const tickUptime = () => {
    byId('uptime').textContent = uptime ? duration(uptime.seconds + (Date.now() - uptime.at) / 1000) : '—';
  };

  const renderEnvironments = (names: string[]) => {
    const list = byId('environments');
    const key = `${names.join(',')}|${current}|${busy}`;
    if (list.dataset.names === key) return;
    list.dataset.names = key;
    list.replaceChildren(
      ...names.map((name) => {
        const button = make('button', 'Switch');
        button.type = 'button';
        button.setAttribute('aria-label', `Switch to ${name}`);
        button.disabled = name === current || busy;
        button.onclick = async () => {
          button.disabled = true;
          const r = await post('v2/comfygit/switch_environment', { target_env: name });
          note(r.status === 200 ? `Switch to ${name} requested` : `Switch refused: ${r.body?.error}`);
        };
        const li = make('li');
        li.append(make('span', name + (name === current ? ' (current)' : '')), button);
        return li;
      }),
    );
  };

  const renderSupervisor = (st: DashboardState) => {
    const h = st.health;
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
    uptime = running ? { seconds: c?.uptime_seconds ?? 0, at: Date.now() } : null;
    tickUptime();
    const link = byId<HTMLAnchorElement>('comfyui-link');
    const href = comfyuiHref(st.comfyui, new URL(location.href));
    if (href) {
      link.href = href;
      link.textContent = `Open ComfyUI (${link.host})`;
    } else {
      link.removeAttribute('href');
      link.textContent = st.comfyui
        ? `ComfyUI listens on port ${st.comfyui.port} of the server`
        : 'ComfyUI’s address is not known yet';
    }
    current = typeof h?.current_env === 'string' ? h.current_env : null;
    byId('current-env').textContent = current || '—';
  };

  const renderSwitch = (s: SwitchStatusView) => {
    busy = switchBusy(s);
    const progress = typeof s.progress === 'number' ? s.progress : 0;
    byId<HTMLProgressElement>('progress').value = progress;
    byId('progress').setAttribute('aria-valuenow', String(progress));
    byId('switch-state').textContent = switchLine(s);
    note(typeof s.message === 'string' && s.state !== 'idle' ? s.message : '');
    const o = switchOutcome(s);
    byId('switch-outcome').textContent = o ? o.text : '';
    byId('switch-outcome').className = o ? o.kind : '';
  };

  return {
    start() {
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
      setInterval(tickUptime, 1000);
    },
    onState(st) {
      renderSupervisor(st);
      renderSwitch((st.switch ?? { state: 'idle' }) as SwitchStatusView);
      renderEnvironments(st.environments ?? []);
      byId('log').textContent = st.log ? st.log.lines.join('\n') : '';
    },
  };
}
