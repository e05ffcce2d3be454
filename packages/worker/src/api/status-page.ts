import type { Worker } from '../worker.ts';
import { comfyuiUrl, uptimeSeconds } from './views.ts';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The small page at `/`: every instance with its state, port, GPU, uptime and restarts. */
export function statusPage(worker: Worker, host: string, now: number): string {
  const rows = worker
    .list()
    .map((info) => {
      const i = info.instance;
      const url = comfyuiUrl(info, host);
      const cells = [
        i.id,
        i.name,
        i.status,
        String(i.assignedPort),
        i.cudaVisibleDevices ?? 'all',
        `${Math.round(uptimeSeconds(info, now))} s`,
        String(info.runtime.restarts),
      ].map((cell) => `<td>${escapeHtml(cell)}</td>`);
      const link = url ? `<td><a href="${escapeHtml(url)}">open</a></td>` : '<td></td>';
      return `<tr>${cells.join('')}${link}</tr>`;
    })
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>comfyvisor worker</title>
<style>body{font:14px system-ui;margin:2em}td,th{padding:.3em .8em;text-align:left}</style>
<h1>comfyvisor worker</h1><p>${escapeHtml(worker.workspace)}</p>
<table><tr><th>id</th><th>name</th><th>state</th><th>port</th><th>GPU</th><th>uptime</th><th>restarts</th><th></th></tr>
${rows}</table>`;
}
