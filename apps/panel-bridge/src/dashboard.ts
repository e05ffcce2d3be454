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
  .history svg { display: block; max-width: 100%; height: auto; margin: .2rem 0 .6rem; }
  .legend span { margin-right: 1rem; font-size: .85rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; border-radius: 2px; }
  h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
  #settings fieldset { border: 1px solid #8884; border-radius: 6px; margin: .6rem 0; display: grid; gap: .5rem; }
  #settings label { display: grid; gap: .2rem; font-size: .9rem; }
  #settings label.check { display: flex; gap: .5rem; align-items: center; }
  #settings textarea { font-family: ui-monospace, monospace; min-height: 3.2rem; }
  #settings input[type=text], #settings textarea, #settings select { padding: .25rem .4rem; border: 1px solid #8886; border-radius: 4px; font: inherit; }
  #settings input[aria-invalid=true], #settings textarea[aria-invalid=true] { border: 2px solid #cf222e; outline-color: #cf222e; }
  .field-error { font-size: .85rem; }
  #settings-result { margin-top: .4rem; font-weight: 600; }
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
  <p id="draining" role="status" aria-live="polite"></p>
  <button id="restart" type="button" title="after the running prompt, if one runs">Restart</button>
  <button id="restart-now" type="button" title="now, even during a prompt">Restart, no wait</button>
  <button id="stop" type="button" title="after the running prompt, if one runs">Stop</button>
  <button id="stop-now" type="button" title="now, even during a prompt">Stop, no wait</button>
</section>

<section aria-labelledby="switch-h">
  <h2 id="switch-h">Switch</h2>
  <progress id="progress" max="100" value="0" aria-label="Switch progress"></progress>
  <div id="switch-state" role="status" aria-live="polite">idle</div>
  <div id="switch-outcome" role="alert"></div>
  <ol id="messages"></ol>
  <ul class="envs" id="environments" aria-label="Environments"></ul>
</section>

<section aria-labelledby="history-h" class="history" id="history">
  <h2 id="history-h">History</h2>
  <div class="legend muted"><span><i style="background:#2da44e"></i>running</span><span><i style="background:#cf222e"></i>down</span><span><i style="background:#0969da"></i>starting / switching</span><span><i style="background:#d4a72c"></i>hung</span><span><i style="background:#82071e;width:3px"></i>crash</span></div>
  <h3>Last 24 hours</h3><div id="strip-day"></div>
  <h3>Last 7 days</h3><div id="strip-week"></div>
  <h3>Restarts per hour, last 24 hours</h3><div id="restarts"></div>
  <h3>Memory, last hour</h3><div id="memory"></div>
</section>

<section aria-labelledby="timeline-h">
  <h2 id="timeline-h">What happened</h2>
  <div class="counts muted" id="counts"></div>
  <ol class="timeline" id="timeline" aria-label="Timeline"></ol>
</section>

<section aria-labelledby="settings-h">
  <h2 id="settings-h">Settings</h2>
  <p class="muted">Saved in <code id="settings-path"></code>. Changes apply at the next start of ComfyUI.</p>
  <form id="settings" novalidate>
    <fieldset><legend>Every environment</legend>
      <label>Extra arguments for ComfyUI (one a line)<textarea data-key="comfyui.extra_args" rows="3"></textarea></label>
      <label>Environment variables (NAME=value, one a line)<textarea data-key="comfyui.env" rows="3"></textarea></label>
    </fieldset>
    <fieldset><legend>One environment (added to the above)</legend>
      <label>Environment<select id="s-environment"></select></label>
      <label>Extra arguments (one a line)<textarea data-key="environment.extra_args" rows="2"></textarea></label>
      <label>Environment variables (NAME=value)<textarea data-key="environment.env" rows="2"></textarea></label>
    </fieldset>
    <fieldset id="s-orchestrator"><legend>Drain and watchdogs</legend></fieldset>
    <button type="submit" id="s-save">Save settings</button>
    <button type="button" id="s-restart">Restart now</button>
    <div id="settings-result" role="status" aria-live="polite"></div>
  </form>
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
