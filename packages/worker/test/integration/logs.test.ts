import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupWorkspaces, httpJson, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { auth, closeHarnesses, type Harness, startHarness } from './helpers.ts';

afterEach(async () => {
  await closeHarnesses();
  await killTracked();
  await cleanupWorkspaces();
});

function openLogs(h: Harness, id: string, headers: Record<string, string> = auth) {
  const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/api/v1/instances/${id}/logs`, { headers });
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  return { ws, messages };
}

describe('logs', () => {
  it('keeps the import output and ComfyUI output in a file; undecodable bytes are replaced', async () => {
    const h = await startHarness({ cg: { rawHex: '6f6b20ff fe20 6279746573 0a', lines: ['hello from cg'] } });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    await h.waitStatus(body.id, 'running');
    const logs = (await h.api('GET', `/api/v1/instances/${body.id}/logs`)).body.logs;
    const messages = logs.map((l: any) => l.message);
    expect(logs.every((l: any) => l.level === 'INFO')).toBe(true);
    expect(messages).toContain('hello from cg');
    expect(messages).toContain('ok \uFFFD\uFFFD bytes');
    expect(messages.some((m: string) => m.startsWith('fake ComfyUI'))).toBe(true);
    const two = (await h.api('GET', `/api/v1/instances/${body.id}/logs?lines=2`)).body.logs;
    expect(two).toEqual(logs.slice(-2));
    expect(existsSync(join(h.stateDir, 'logs', `${body.id}.log`))).toBe(true);
  });

  it('the WebSocket needs the key and a known instance', async () => {
    const h = await startHarness();
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/api/v1/instances/x/logs`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(refused).toBe(401);
    const unknown = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/api/v1/instances/inst_0/logs`, {
        headers: auth,
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(unknown).toBe(404);
  });

  it('the WebSocket replays, then pushes each new line as it comes, past 1000 lines and across restarts', async () => {
    const h = await startHarness();
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    const first = await h.waitStatus(body.id, 'running');
    const { ws, messages } = openLogs(h, body.id);
    await expect
      .poll(() => messages.some((m) => m.message.startsWith('fake ComfyUI')), { timeout: 10_000 })
      .toBe(true);
    expect(messages[0]).toMatchObject({ type: 'log', level: 'INFO' });
    expect(Date.parse(messages[0].timestamp)).not.toBeNaN();

    // 1500 lines through the instance's log (as ComfyUI's output), then a restart
    const log = h.worker.log(body.id);
    for (let i = 0; i < 1500; i++) log?.write(Buffer.from(`line ${i}\n`));
    await expect.poll(() => messages.some((m) => m.message === 'line 1499')).toBe(true);
    await httpJson(`${first.comfyui_url}/exit/42`, { method: 'POST' });
    await expect
      .poll(async () => (await h.api('GET', `/api/v1/instances/${body.id}`)).body.restarts, {
        timeout: 10_000,
      })
      .toBe(1);
    const second = await h.waitStatus(body.id, 'running');
    await expect
      .poll(() => messages.filter((m) => m.message.startsWith('fake ComfyUI')).length, { timeout: 10_000 })
      .toBe(2);
    expect(second.pid).not.toBe(first.pid);
    ws.close();
  });
});
