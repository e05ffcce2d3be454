/**
 * The dashboard's calls to the bridge. Every URL is relative to the page, so the page works
 * wherever a proxy puts the bridge (`/`, `/cv/`, ...): `v2/comfygit/switch_environment` from
 * `/cv/` is `/cv/v2/comfygit/switch_environment`. So paths here never start with `/`. The login cookie goes along by itself.
 */

export interface PostAnswer {
  status: number;
  body: { error?: string; [key: string]: unknown } | null;
}

/** POSTs JSON (or nothing) to `path`, relative to the page (`v2/...`), and reads a JSON answer, if any. */
export async function post(path: string, body?: unknown): Promise<PostAnswer> {
  const init: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  let data: PostAnswer['body'] = null;
  try {
    data = (await response.json()) as PostAnswer['body'];
  } catch {
    // no JSON: the status says enough
  }
  return { status: response.status, body: data };
}

/** `?token=` of a login link, taken out of the address bar once the page has its cookie. */
export function forgetTokenInAddress(): void {
  const url = new URL(location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}
