import { DASHBOARD_SCRIPT } from './dashboard-script.ts';
import { DASHBOARD_SECTIONS } from './dashboard-sections.ts';
import { DASHBOARD_STYLES } from './dashboard-styles.ts';
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
${DASHBOARD_STYLES}
</style>
</head>
<body>
<h1>comfyvisor</h1>
<div class="muted" id="workspace">${workspace}</div>

${DASHBOARD_SECTIONS}

<script>
${DASHBOARD_SCRIPT}</script>
</body>
</html>`;
}
