import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { createBridgeApp } from './app.ts';
import { extractComfyuiArgs } from './extract-args.ts';
import type { requestSwitch } from './request-switch.ts';

const workspace = () => tempWorkspace({ prefix: 'comfyvisor-bridge-unit-' });
const local = { host: '127.0.0.1:8000' };

describe('extractComfyuiArgs (test_spawn_orchestrator_captures_comfyui_args)', () => {
  it("keeps ComfyUI's own args, drops the interpreter, main.py and --enable-manager", () => {
    expect(
      extractComfyuiArgs([
        '/ws/env/.venv/bin/python',
        '/ws/env/ComfyUI/main.py',
        '--port',
        '8188',
        '--enable-manager',
        '--listen',
      ]),
    ).toEqual(['--port', '8188', '--listen']);
    expect(extractComfyuiArgs(['main.py', '--cpu'])).toEqual(['--cpu']);
    expect(extractComfyuiArgs(['main.py'])).toEqual([]);
    expect(extractComfyuiArgs([])).toEqual([]);
  });
});

describe('panel routes', () => {
  const accepted: typeof requestSwitch = async (o) => ({
    status: 'switching',
    next: 'none',
    spawned: null,
    workspace: o.workspace ?? '',
    target: o.target,
    source: null,
  });

  it('POST /v2/comfygit/switch_environment: 400, 404, 409, 200 as the panel expects', async () => {
    const ws = workspace();
    const app = createBridgeApp({ workspace: ws });
    const post = (body: string, a = app) =>
      a.request('/v2/comfygit/switch_environment', {
        method: 'POST',
        headers: { ...local, 'content-type': 'application/json' },
        body,
      });
    expect(await (await post('{nope')).json()).toEqual({ error: 'Invalid JSON' });
    expect((await post('{nope')).status).toBe(400);
    expect((await post('{}')).status).toBe(400);
    expect((await post('{"target_env": "../x"}')).status).toBe(400);
    expect((await post('{"target_env": "ghost"}')).status).toBe(404);
    expect(
      (await post(JSON.stringify({ target_env: 'env2', workspace_path: join(ws, 'nowhere') }))).status,
    ).toBe(404);
    writeFileSync(join(ws, '.metadata', '.switch.lock'), '');
    const busy = await post('{"target_env": "env2"}');
    expect(busy.status).toBe(409);
    expect(await busy.json()).toEqual({ error: 'Environment switch already in progress' });
    const ok = await post(
      '{"target_env": "env2"}',
      createBridgeApp({ workspace: ws, requestSwitch: accepted }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'switching', message: 'Switching to env2...' });
  });

  it('status, port and proxy routes without a supervisor: idle, 404, 503 orchestrator_unavailable, file fallback', async () => {
    const ws = workspace();
    const app = createBridgeApp({ workspace: ws });
    const get = (path: string, method = 'GET') => app.request(path, { method, headers: local });
    expect(await (await get('/v2/comfygit/switch_status')).json()).toEqual({
      state: 'idle',
      message: 'No switch in progress',
    });
    expect((await get('/v2/comfygit/orchestrator_port')).status).toBe(404);
    for (const [path, method] of [
      ['/v2/comfygit/orchestrator/health', 'GET'],
      ['/v2/comfygit/orchestrator/restart', 'POST'],
      ['/v2/comfygit/orchestrator/kill', 'POST'],
    ] as const) {
      const r = await get(path, method);
      expect(r.status, path).toBe(503);
      expect(await r.json()).toMatchObject({ error: 'orchestrator_unavailable' });
    }
    writeFileSync(
      join(ws, '.metadata', '.switch_status.json'),
      JSON.stringify({
        state: 'syncing',
        progress: 30,
        message: 'Syncing env2...',
        updated_at: 1,
        target_env: 'env2',
        source_env: 'env1',
      }),
    );
    expect(await (await get('/v2/comfygit/orchestrator/status')).json()).toMatchObject({
      state: 'syncing',
      progress: 30,
    });
    expect(await (await get('/v2/comfygit/switch_status')).json()).toMatchObject({
      state: 'syncing',
      target_env: 'env2',
    });
    expect(await (await get('/v2/comfygit/environments')).json()).toMatchObject({
      environments: [{ name: 'env1' }, { name: 'env2' }],
      current: null,
      is_managed: false,
    });
  });

  it('a foreign Origin or Host is refused; its own origin and the dashboard are served', async () => {
    const app = createBridgeApp({ workspace: workspace() });
    expect(
      (
        await app.request('/v2/comfygit/switch_status', {
          headers: { ...local, origin: 'http://evil.example' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await app.request('/v2/comfygit/switch_status', { headers: { host: 'evil.example:8000' } })).status,
    ).toBe(403);
    expect(
      (
        await app.request('/v2/comfygit/switch_status', {
          headers: { ...local, origin: 'http://127.0.0.1:8000' },
        })
      ).status,
    ).toBe(200);
    const page = await app.request('/', { headers: local });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<progress id="progress"');
  });
});
