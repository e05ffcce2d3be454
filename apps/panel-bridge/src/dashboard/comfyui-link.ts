import type { DashboardState } from '../dashboard-wire.ts';

/**
 * The address of ComfyUI as seen from this browser, or null when the page cannot know it.
 * - On RunPod's proxy (`https://<pod>-<port>.proxy.runpod.net`), ComfyUI is the same pod's
 *   address with ComfyUI's port.
 * - Under a path (a proxy put the page at `/cv/`), ComfyUI's own port is not what the proxy
 *   serves: no link (every URL of the page stays under the page's path).
 * - Else ComfyUI's host (or the page's own host when ComfyUI listens on loopback or everywhere)
 *   and port.
 */
export function comfyuiHref(comfyui: DashboardState['comfyui'], page: URL): string | null {
  if (!comfyui) return null;
  const runpod = /^(.+)-\d+\.proxy\.runpod\.net$/.exec(page.hostname);
  if (runpod) return `${page.protocol}//${runpod[1]}-${comfyui.port}.proxy.runpod.net/`;
  if (page.pathname !== '/') return null;
  const host = comfyui.host ?? page.hostname;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${page.protocol}//${shown}:${comfyui.port}/`;
}
