/**
 * Who may talk to a localhost HTTP server of ours, one place for both the control API and the
 * bridge: Host names (DNS rebinding), ComfyUI's own page as the browser origin, and what its
 * `api.fetchApi` sends in a CORS preflight.
 */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export const CORS_ALLOWED_HEADERS = 'Content-Type, Comfy-User';
export const CORS_ALLOWED_METHODS = 'GET, POST, OPTIONS';

/** The browser origins of ComfyUI's page on `port`. */
export function comfyuiOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** The host name of a Host header (`[::1]:5050` → `[::1]`), or null. */
export function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? null;
}
