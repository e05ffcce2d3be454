const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * The dashboard: one page, plain HTML and a little inline JavaScript, served by the bridge so it
 * works while ComfyUI is down. It polls the same routes the ComfyGit panel uses, and shows a
 * switch's end as the panel does: `complete`, `rolled_back` (the source runs again) or
 * `critical_failure` (nothing runs); `failed` and `aborted` of older supervisors are ends too.
 */
export function dashboardHtml(options: { workspace?: string | undefined } = {}): string {
  const workspace = options.workspace ? `Workspace: ${escapeHtml(options.workspace)}` : '&nbsp;';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>comfyvisor</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 860px; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .muted { color: #888; font-size: .9rem; }
  dl { display: grid; grid-template-columns: 9rem 1fr; gap: .3rem .8rem; }
  dt { font-weight: 600; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; } .warn { color: #9a6700; }
  ul.envs { list-style: none; padding: 0; }
  ul.envs li { display: flex; justify-content: space-between; align-items: center; padding: .4rem .6rem; border: 1px solid #8884; border-radius: 6px; margin: .3rem 0; }
  button { padding: .35rem .9rem; border-radius: 6px; border: 1px solid #8886; cursor: pointer; }
  button[disabled] { opacity: .5; cursor: default; }
  progress { width: 100%; height: 1.2rem; }
  #messages { font-size: .9rem; margin: .3rem 0 0; padding-left: 1.2rem; }
  pre { background: #8881; padding: .6rem; border-radius: 6px; max-height: 18rem; overflow: auto; font-size: .8rem; }
</style>
</head>
<body>
<h1>comfyvisor</h1>
<div class="muted" id="workspace">${workspace}</div>

<section aria-labelledby="state-h">
  <h2 id="state-h">State</h2>
  <dl>
    <dt>Supervisor</dt><dd id="supervisor" aria-live="polite">…</dd>
    <dt>ComfyUI</dt><dd id="comfyui">…</dd>
    <dt>Environment</dt><dd id="current-env">…</dd>
  </dl>
  <button id="restart" type="button">Restart</button>
  <button id="stop" type="button">Stop</button>
</section>

<section aria-labelledby="switch-h">
  <h2 id="switch-h">Switch</h2>
  <progress id="progress" max="100" value="0" aria-label="Switch progress"></progress>
  <div id="switch-state" role="status" aria-live="polite">idle</div>
  <div id="switch-outcome" role="alert"></div>
  <ol id="messages"></ol>
  <ul class="envs" id="environments" aria-label="Environments"></ul>
</section>

<section aria-labelledby="log-h">
  <h2 id="log-h">Log</h2>
  <pre id="log" aria-label="Log tail"></pre>
</section>

<script>
const $ = (id) => document.getElementById(id);
let current = null;
let lastMessage = '';
const FINAL = ['complete', 'rolled_back', 'critical_failure', 'failed', 'aborted'];
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
async function getJson(path) {
  try { const r = await fetch(path); return { status: r.status, body: await r.json() }; }
  catch { return { status: 0, body: null }; }
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
async function refresh() {
  const [health, status, envs, logs] = await Promise.all([
    getJson('/v2/comfygit/orchestrator/health'), getJson('/v2/comfygit/switch_status'),
    getJson('/v2/comfygit/environments'), getJson('/v2/comfygit/logs?lines=40')]);
  const h = health.status === 200 ? health.body : null;
  $('supervisor').textContent = h ? 'running (pid ' + h.pid + ')' : 'not running';
  $('supervisor').className = h ? 'ok' : 'bad';
  const c = h && h.comfyui;
  $('comfyui').textContent = c ? (c.running ? 'running (pid ' + c.pid + ', up ' + c.uptime_seconds + ' s)' : 'stopped') : 'down';
  $('comfyui').className = c && c.running ? 'ok' : 'bad';
  current = h ? h.current_env : null;
  $('current-env').textContent = current || '—';
  const s = status.body || { state: 'idle' };
  const busy = s.state && !['idle', 'unknown', ...FINAL].includes(s.state);
  $('progress').value = s.progress || 0;
  $('progress').setAttribute('aria-valuenow', String(s.progress || 0));
  $('switch-state').textContent = s.state === 'idle' ? 'idle' : s.state + ' (' + (s.progress || 0) + '%)' + (s.target_env ? ' → ' + s.target_env : '');
  note(s.message && s.state !== 'idle' ? s.message : '');
  const o = outcome(s);
  $('switch-outcome').textContent = o ? o.text : '';
  $('switch-outcome').className = o ? o.kind : '';
  const list = $('environments');
  const names = envs.body && Array.isArray(envs.body.environments) ? envs.body.environments.map((e) => e.name) : [];
  if (list.dataset.names !== names.join(',') + '|' + current + '|' + busy) {
    list.dataset.names = names.join(',') + '|' + current + '|' + busy;
    list.replaceChildren(...names.map((name) => {
      const li = document.createElement('li');
      const label = document.createElement('span'); label.textContent = name + (name === current ? ' (current)' : '');
      const b = document.createElement('button'); b.type = 'button'; b.textContent = 'Switch'; b.setAttribute('aria-label', 'Switch to ' + name);
      b.disabled = name === current || busy;
      b.onclick = async () => {
        b.disabled = true;
        const r = await post('/v2/comfygit/switch_environment', { target_env: name });
        note(r.status === 200 ? 'Switch to ' + name + ' requested' : 'Switch refused: ' + (r.body && r.body.error));
        refresh();
      };
      li.append(label, b); return li;
    }));
  }
  $('log').textContent = logs.body ? logs.body.lines.join('\\n') : '';
}
$('restart').onclick = async () => { const r = await post('/v2/comfygit/orchestrator/restart'); note(r.status === 200 ? 'Restart requested' : 'Restart failed: ' + (r.body && r.body.error)); };
$('stop').onclick = async () => { if (!confirm('Stop ComfyUI and the supervisor?')) return; const r = await post('/v2/comfygit/orchestrator/kill'); note(r.status === 200 ? 'Stop requested' : 'Stop failed: ' + (r.body && r.body.error)); };
refresh();
setInterval(refresh, 500);
</script>
</body>
</html>`;
}
