import { FINAL_SWITCH_STATES } from '@comfyvisor/ipc-files';

/**
 * The dashboard's inline script: it renders what the bridge pushes on
 * `/v2/comfygit/dashboard/stream` (`state` and `history` server-sent events) and posts the
 * buttons' requests. It never polls; EventSource reconnects by itself when the bridge restarts.
 */
export const DASHBOARD_SCRIPT = String.raw`
const $ = (id) => document.getElementById(id);
let current = null;
let busy = false;
let lastMessage = '';
let uptime = null; // { seconds, at } from the last state, ticked locally
const FINAL = ${JSON.stringify([...FINAL_SWITCH_STATES])};
const TIMELINE_MAX = 200;
function outcome(s) {
  const target = s.target_env || 'the target environment';
  const why = s.error ? ': ' + s.error : '';
  if (s.state === 'complete') return { kind: 'ok', text: 'Switched to ' + target + '.' };
  if (s.state === 'rolled_back')
    return { kind: 'warn', text: 'Switch to ' + target + ' failed' + why + '. ' + (s.source_env || 'The previous environment') + ' is running again.' };
  if (s.state === 'critical_failure')
    return { kind: 'bad', text: 'Switch to ' + target + ' failed and so did the rollback' + why + '. Nothing is running: read the log below, then start ComfyUI again' + (s.recovery_command ? ' (' + s.recovery_command + ')' : '') + '.' };
  if (s.state === 'failed' || s.state === 'aborted') return { kind: 'bad', text: 'Switch to ' + target + ' ' + s.state + why + '.' };
  return null;
}
async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  let data = null; try { data = await r.json(); } catch {}
  return { status: r.status, body: data };
}
function note(text) {
  if (!text || text === lastMessage) return;
  lastMessage = text;
  const li = document.createElement('li'); li.textContent = text; $('messages').appendChild(li);
  while ($('messages').children.length > 8) $('messages').firstChild.remove();
}
function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? h + 'h ' + m + 'm' : m ? m + 'm ' + (s % 60) + 's' : (s % 60) + 's';
}
function tickUptime() {
  $('uptime').textContent = uptime ? duration(uptime.seconds + (Date.now() - uptime.at) / 1000) : '—';
}
function renderEnvironments(names) {
  const list = $('environments');
  const key = names.join(',') + '|' + current + '|' + busy;
  if (list.dataset.names === key) return;
  list.dataset.names = key;
  list.replaceChildren(...names.map((name) => {
    const li = document.createElement('li');
    const label = document.createElement('span'); label.textContent = name + (name === current ? ' (current)' : '');
    const b = document.createElement('button'); b.type = 'button'; b.textContent = 'Switch'; b.setAttribute('aria-label', 'Switch to ' + name);
    b.disabled = name === current || busy;
    b.onclick = async () => {
      b.disabled = true;
      const r = await post('/v2/comfygit/switch_environment', { target_env: name });
      note(r.status === 200 ? 'Switch to ' + name + ' requested' : 'Switch refused: ' + (r.body && r.body.error));
    };
    li.append(label, b); return li;
  }));
}
function renderState(st) {
  const h = st.health;
  $('supervisor').textContent = h ? 'running (pid ' + h.pid + ')' : 'not running';
  $('supervisor').className = h ? 'ok' : 'bad';
  const c = h && h.comfyui;
  $('comfyui').textContent = c ? (c.running ? 'running (pid ' + c.pid + ', up ' + c.uptime_seconds + ' s)' : 'stopped') : 'down';
  $('comfyui').className = c && c.running ? 'ok' : 'bad';
  uptime = c && c.running ? { seconds: c.uptime_seconds, at: Date.now() } : null;
  tickUptime();
  const link = $('comfyui-link');
  if (st.comfyui) {
    const host = st.comfyui.host || location.hostname;
    link.href = location.protocol + '//' + (host.includes(':') && !host.startsWith('[') ? '[' + host + ']' : host) + ':' + st.comfyui.port + '/';
    link.textContent = 'Open ComfyUI (' + link.host + ')';
  } else { link.removeAttribute('href'); link.textContent = 'ComfyUI’s address is not known yet'; }
  current = h ? h.current_env : null;
  $('current-env').textContent = current || '—';
  const s = st.switch || { state: 'idle' };
  busy = !!s.state && !['idle', 'unknown', ...FINAL].includes(s.state);
  $('progress').value = s.progress || 0;
  $('progress').setAttribute('aria-valuenow', String(s.progress || 0));
  $('switch-state').textContent = s.state === 'idle' ? 'idle' : s.state + ' (' + (s.progress || 0) + '%)' + (s.target_env ? ' → ' + s.target_env : '');
  note(s.message && s.state !== 'idle' ? s.message : '');
  const o = outcome(s);
  $('switch-outcome').textContent = o ? o.text : '';
  $('switch-outcome').className = o ? o.kind : '';
  renderEnvironments(st.environments || []);
  $('log').textContent = st.log ? st.log.lines.join('\n') : '';
}
const counted = { restart: 0, crash: 0, hang: 0, 'switch-ok': 0, 'switch-bad': 0 };
function renderCounts() {
  $('counts').replaceChildren(...[
    ['restart', 'restart', 'restarts'], ['crash', 'crash', 'crashes'], ['hang', 'hang', 'hangs'],
    ['switch-ok', 'switch done', 'switches done'], ['switch-bad', 'switch failed', 'switches failed'],
  ].map(([k, one, many]) => { const s = document.createElement('span'); s.dataset.kind = k; s.textContent = counted[k] + ' ' + (counted[k] === 1 ? one : many); return s; }));
}
function addHistory(msg) {
  const list = $('timeline');
  if (msg.reset) { list.replaceChildren(); for (const k in counted) counted[k] = 0; }
  for (const e of msg.events) {
    if (e.kind === 'detail') continue;
    if (e.kind in counted) counted[e.kind]++;
    const li = document.createElement('li');
    li.className = 'k-' + e.kind; li.dataset.type = e.type;
    const t = document.createElement('time');
    const d = new Date(e.time * 1000);
    t.dateTime = d.toISOString();
    t.textContent = d.toLocaleDateString() === new Date().toLocaleDateString() ? d.toLocaleTimeString() : d.toLocaleString();
    const text = document.createElement('span'); text.textContent = e.text;
    li.append(t, text);
    list.prepend(li);
  }
  while (list.children.length > TIMELINE_MAX) list.lastChild.remove();
  renderCounts();
}
$('restart').onclick = async () => { const r = await post('/v2/comfygit/orchestrator/restart'); note(r.status === 200 ? 'Restart requested' : 'Restart failed: ' + (r.body && r.body.error)); };
$('stop').onclick = async () => { if (!confirm('Stop ComfyUI and the supervisor?')) return; const r = await post('/v2/comfygit/orchestrator/kill'); note(r.status === 200 ? 'Stop requested' : 'Stop failed: ' + (r.body && r.body.error)); };
const source = new EventSource('/v2/comfygit/dashboard/stream');
source.addEventListener('state', (m) => renderState(JSON.parse(m.data)));
source.addEventListener('history', (m) => addHistory(JSON.parse(m.data)));
source.onopen = () => { document.body.dataset.stream = 'open'; };
source.onerror = () => { document.body.dataset.stream = 'reconnecting'; };
setInterval(tickUptime, 1000);
`;
