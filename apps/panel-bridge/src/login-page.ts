import { escapeHtml } from './html.ts';

/**
 * The page a browser gets at `/` without its login: one field for the token (the one printed at
 * start-up, or in `.metadata/.bridge_token`). The form posts to `login`, relative to the page, so
 * it works under a proxy's path.
 */
export function loginHtml(options: { message?: string | undefined } = {}): string {
  const message = options.message ? `<p class="bad" role="alert">${escapeHtml(options.message)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>comfyvisor: log in</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 30rem; margin: 4rem auto; padding: 0 1rem; }
  input { width: 100%; padding: .4rem; margin: .4rem 0 .8rem; box-sizing: border-box; font-family: monospace; }
  button { padding: .35rem .9rem; border-radius: 6px; border: 1px solid #8886; cursor: pointer; }
  .bad { color: #cf222e; } .muted { color: #888; font-size: .9rem; }
</style>
</head>
<body>
<h1>comfyvisor</h1>
${message}
<form method="post" action="login">
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <button type="submit">Log in</button>
</form>
<p class="muted">The token is in the login link the bridge printed when it started, and in
<code>.metadata/.bridge_token</code> of the workspace (unless it was given with
<code>--token-file</code> or <code>COMFYVISOR_BRIDGE_TOKEN</code>).</p>
</body>
</html>`;
}
