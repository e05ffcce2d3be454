/** The dashboard page's sections, one constant each (the views in src/dashboard/ fill them by id). */

/** The supervisor and ComfyUI, the link that opens ComfyUI, what a stop waits for, restart and stop (state-view.ts). */
const STATE_SECTION = `<section aria-labelledby="state-h">
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
</section>`;

/** A switch's progress, state and end, its messages, and the environments to switch to (switch-section.ts). */
const SWITCH_SECTION = `<section aria-labelledby="switch-h">
  <h2 id="switch-h">Switch</h2>
  <progress id="progress" max="100" value="0" aria-label="Switch progress"></progress>
  <div id="switch-state" role="status" aria-live="polite">idle</div>
  <div id="switch-outcome" role="alert"></div>
  <ol id="messages"></ol>
  <ul class="envs" id="environments" aria-label="Environments"></ul>
</section>`;

/** The history pictures: availability over a day and a week, restarts per hour, memory (history-view.ts). */
const HISTORY_SECTION = `<section aria-labelledby="history-h" class="history" id="history">
  <h2 id="history-h">History</h2>
  <div class="legend muted"><span><i style="background:#2da44e"></i>running</span><span><i style="background:#cf222e"></i>down</span><span><i style="background:#0969da"></i>starting / switching</span><span><i style="background:#d4a72c"></i>hung</span><span><i style="background:#82071e;width:3px"></i>crash</span></div>
  <h3>Last 24 hours</h3><div id="strip-day"></div>
  <h3>Last 7 days</h3><div id="strip-week"></div>
  <h3>Restarts per hour, last 24 hours</h3><div id="restarts"></div>
  <h3>Memory, last hour</h3><div id="memory"></div>
</section>`;

/** What the supervisor did, newest last (timeline-view.ts). */
const TIMELINE_SECTION = `<section aria-labelledby="timeline-h">
  <h2 id="timeline-h">What happened</h2>
  <div class="counts muted" id="counts"></div>
  <ol class="timeline" id="timeline" aria-label="Timeline"></ol>
</section>`;

/** The settings form; the drain and watchdog fields are added by the page's script (settings-view.ts). */
const SETTINGS_SECTION = `<section aria-labelledby="settings-h">
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
</section>`;

/** The tail of the supervisor's log. */
const LOG_SECTION = `<section aria-labelledby="log-h">
  <h2 id="log-h">Log</h2>
  <pre id="log" aria-label="Log tail"></pre>
</section>`;

/** The page's body below its title: every section, a blank line between two. */
export const DASHBOARD_SECTIONS = [
  STATE_SECTION,
  SWITCH_SECTION,
  HISTORY_SECTION,
  TIMELINE_SECTION,
  SETTINGS_SECTION,
  LOG_SECTION,
].join('\n\n');
