import { DASHBOARD_SCRIPT } from './dashboard-script.ts';
import { escapeHtml } from './html.ts';

/**
 * The dashboard: one page, plain HTML and a little inline JavaScript, served by the bridge so it
 * works while ComfyUI is down. The bridge pushes what it shows (server-sent events, see
 * dashboard-stream.ts): the state, a timeline of what the supervisor did, and shows a
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
  ol.timeline { list-style: none; padding: 0; margin: 0; max-height: 22rem; overflow: auto; border-left: 3px solid #8884; }
  ol.timeline li { padding: .25rem .6rem; font-size: .9rem; display: grid; grid-template-columns: 10rem 1fr; gap: .6rem; align-items: baseline; }
  ol.timeline time { color: #888; font-variant-numeric: tabular-nums; }
  .k-restart { border-left: 4px solid #0969da; } .k-crash, .k-give-up, .k-switch-bad { border-left: 4px solid #cf222e; }
  .k-hang { border-left: 4px solid #9a6700; } .k-switch-ok { border-left: 4px solid #1a7f37; } .k-supervisor { border-left: 4px solid #8886; }
  .counts span { margin-right: 1rem; }
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
    <dt>Uptime</dt><dd id="uptime">—</dd>
    <dt>Open</dt><dd><a id="comfyui-link" target="_blank" rel="noopener">ComfyUI</a></dd>
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

<section aria-labelledby="timeline-h">
  <h2 id="timeline-h">What happened</h2>
  <div class="counts muted" id="counts"></div>
  <ol class="timeline" id="timeline" aria-label="Timeline"></ol>
</section>

<section aria-labelledby="log-h">
  <h2 id="log-h">Log</h2>
  <pre id="log" aria-label="Log tail"></pre>
</section>

<script>
${DASHBOARD_SCRIPT}</script>
</body>
</html>`;
}
