import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES } from '@comfyvisor/ipc-files';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { createBridgeApp } from './app.ts';
import type { requestSwitch } from './request-switch.ts';

const workspace = () => tempWorkspace({ prefix: 'comfyvisor-bridge-routes-' });
const local = { host: '127.0.0.1:8000' };
const COMFYUI = 'http://127.0.0.1:8188';
const meta = (ws: string, name: keyof typeof FILE_NAMES) => join(ws, '.metadata', FILE_NAMES[name]);

describe('the panel routes under /api, as ComfyUI fetchApi calls them', () => {
  it('every route answers the same with and without the /api prefix; the dashboard only at /', async () => {
    const ws = workspace();
    const app = createBridgeApp({ workspace: ws });
    for (const path of [
      '/v2/comfygit/switch_status',
      '/v2/comfygit/orchestrator/status',
      '/v2/comfygit/environments',
    ]) {
      const plain = await app.request(path, { headers: local });
      const api = await app.request(`/api${path}`, { headers: { ...local, 'Comfy-User': 'alice' } });
      expect(api.status, path).toBe(200);
      expect(await api.json(), path).toEqual(await plain.json());
    }
    const r = await app.request('/api/', { headers: local });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: 'not_found' });
  });

  it("answers CORS preflights from ComfyUI's page (Content-Type, Comfy-User), refuses other origins, keeps the Host check", async () => {
    const app = createBridgeApp({ workspace: workspace(), comfyuiPort: 8188 });
    const preflight = (origin: string, host = local.host) =>
      app.request('/api/v2/comfygit/switch_environment', {
        method: 'OPTIONS',
        headers: {
          host,
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,comfy-user',
        },
      });
    for (const origin of [COMFYUI, 'http://localhost:8188']) {
      const ok = await preflight(origin);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/Comfy-User/);
      expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    }
    const evil = await preflight('http://evil.example');
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: 'origin_not_allowed' });
    expect((await preflight('http://127.0.0.1:9999')).status).toBe(403);
    expect((await preflight(COMFYUI, 'evil.example:8000')).status).toBe(403);
    const get = await app.request('/api/v2/comfygit/switch_status', {
      headers: { ...local, origin: COMFYUI },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(COMFYUI);
  });

  it("ComfyUI's port comes from .startup_state.json when not given", async () => {
    const ws = workspace();
    writeFileSync(
      meta(ws, 'startupState'),
      JSON.stringify({ port: 8300, argv: ['main.py', '--port', '8300'] }),
    );
    const app = createBridgeApp({ workspace: ws });
    const from = (origin: string) =>
      app.request('/api/v2/comfygit/switch_status', { headers: { ...local, origin } });
    expect((await from('http://localhost:8300')).status).toBe(200);
    expect((await from(COMFYUI)).status).toBe(403);
  });

  it('a wrong method is a JSON 405 with Allow; a body over the cap a JSON 413', async () => {
    const app = createBridgeApp({ workspace: workspace(), maxBodyBytes: 1024 });
    const wrong = await app.request('/api/v2/comfygit/switch_environment', { headers: local });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await wrong.json()).toMatchObject({ error: 'method_not_allowed' });
    const post = await app.request('/v2/comfygit/orchestrator/health', { method: 'POST', headers: local });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    const big = await app.request('/v2/comfygit/switch_environment', {
      method: 'POST',
      headers: { ...local, 'content-type': 'application/json' },
      body: JSON.stringify({ target_env: 'env2', padding: 'x'.repeat(4096) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('GET /v2/comfygit/logs on whatever is at the log paths', () => {
  const logs = async (ws: string, lines: number) => {
    const r = await createBridgeApp({ workspace: ws }).request(`/v2/comfygit/logs?lines=${lines}`, {
      headers: local,
    });
    expect(r.status).toBe(200);
    return r.json();
  };

  it("reads only the end of a 10 MB log and passes over a directory or a symlink at ComfyUI's", async () => {
    const ws = workspace();
    writeFileSync(meta(ws, 'comfyuiLog'), `${'x'.repeat(10 * 1024 * 1024)}\nsecond to last\nlast\n`);
    expect(await logs(ws, 2)).toEqual({ file: 'comfyui.log', lines: ['second to last', 'last'] });
    // 500 lines (the most the route gives) of a 10 MB log without newlines for 10 MB: never the whole line
    const tail = (await logs(ws, 500)) as { lines: string[] };
    expect(tail.lines.at(-1)).toBe('last');
    expect(tail.lines.join('\n').length).toBeLessThanOrEqual(256 * 1024);

    const other = workspace();
    mkdirSync(meta(other, 'comfyuiLog'));
    writeFileSync(meta(other, 'log'), 'supervisor line\n');
    expect(await logs(other, 5)).toEqual({ file: 'orchestrator.log', lines: ['supervisor line'] });

    const linked = workspace();
    writeFileSync(join(linked, 'elsewhere.txt'), 'not a log\n');
    symlinkSync(join(linked, 'elsewhere.txt'), meta(linked, 'comfyuiLog'));
    expect(await logs(linked, 5)).toEqual({ file: null, lines: [] });
  });
});

describe('switch status and port files as the reference reads them', () => {
  it('passes every state through as it is on disk (a rolled_back of the Python supervisor stays rolled_back)', async () => {
    const ws = workspace();
    const app = createBridgeApp({ workspace: ws });
    const onDisk = {
      state: 'rolled_back',
      progress: 100,
      message: 'Switch to env2 failed, restored env1',
      updated_at: 1_700_000_000.25,
      target_env: 'env2',
      source_env: 'env1',
      error: 'env2 exited with code 1 before it was healthy',
      recovery_command: 'cd x && python main.py',
    };
    writeFileSync(meta(ws, 'switchStatus'), JSON.stringify(onDisk));
    for (const path of ['/api/v2/comfygit/switch_status', '/api/v2/comfygit/orchestrator/status']) {
      const r = await app.request(path, { headers: local });
      expect(await r.json(), path).toEqual(onDisk);
    }
    writeFileSync(meta(ws, 'switchStatus'), JSON.stringify({ state: 'someday_new', target_env: 'env2' }));
    expect(await (await app.request('/v2/comfygit/switch_status', { headers: local })).json()).toEqual({
      state: 'someday_new',
      target_env: 'env2',
    });
  });

  it('a corrupt status file is a 500 invalid_status_file; one without target_env is idle and stays on disk', async () => {
    const ws = workspace();
    const app = createBridgeApp({ workspace: ws });
    const get = () => app.request('/api/v2/comfygit/switch_status', { headers: local });
    for (const text of ['{"state": "syn', '[1, 2]', '"complete"']) {
      writeFileSync(meta(ws, 'switchStatus'), text);
      const r = await get();
      expect(r.status, text).toBe(500);
      expect(await r.json()).toMatchObject({ error: 'invalid_status_file', message: expect.any(String) });
      // The panel's proxy fallback reads a corrupt file as idle.
      expect(
        await (await app.request('/v2/comfygit/orchestrator/status', { headers: local })).json(),
      ).toMatchObject({ state: 'idle' });
    }
    writeFileSync(meta(ws, 'switchStatus'), JSON.stringify({ state: 'failed', progress: 100, message: 'x' }));
    expect(await (await get()).json()).toEqual({ state: 'idle', message: 'No switch in progress' });
    expect(existsSync(meta(ws, 'switchStatus'))).toBe(true);
  });

  it('orchestrator_port: 404 when missing, 500 when unreadable or not a port, 200 with the port', async () => {
    const ws = workspace();
    const app = createBridgeApp({ workspace: ws });
    const get = () => app.request('/api/v2/comfygit/orchestrator_port', { headers: local });
    expect((await get()).status).toBe(404);
    for (const text of ['', 'abc', '70000', '-1']) {
      writeFileSync(meta(ws, 'controlPort'), text);
      const r = await get();
      expect(r.status, JSON.stringify(text)).toBe(500);
      expect(await r.json()).toMatchObject({ error: 'Invalid port file' });
    }
    writeFileSync(meta(ws, 'controlPort'), '5051');
    expect(await (await get()).json()).toEqual({ port: 5051 });
  });
});

describe('POST switch_environment', () => {
  it('ignores every field but target_env: a string timestamp is fine', async () => {
    const ws = workspace();
    const seen: string[] = [];
    const accepted: typeof requestSwitch = async (o) => {
      seen.push(o.target);
      return {
        status: 'switching',
        next: 'none',
        spawned: null,
        workspace: ws,
        target: o.target,
        source: null,
      };
    };
    const app = createBridgeApp({ workspace: ws, requestSwitch: accepted });
    const r = await app.request('/api/v2/comfygit/switch_environment', {
      method: 'POST',
      headers: { ...local, 'content-type': 'application/json', 'Comfy-User': '' },
      body: JSON.stringify({ target_env: 'env2', timestamp: '2025-01-01T00:00:00Z', workspace_path: null }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'switching', message: 'Switching to env2...' });
    expect(seen).toEqual(['env2']);
  });

  it('a supervisor that cannot switch by command: 501 with the reason in error; one that does not answer: 503', async () => {
    const ws = workspace();
    for (const [status, code] of [
      ['unsupported', 501],
      ['unreachable', 503],
    ] as const) {
      const refused: typeof requestSwitch = async () => ({
        status,
        pid: 4242,
        message: `the supervisor is ${status}`,
      });
      const app = createBridgeApp({ workspace: ws, requestSwitch: refused });
      const r = await app.request('/v2/comfygit/switch_environment', {
        method: 'POST',
        headers: { ...local, 'content-type': 'application/json' },
        body: '{"target_env": "env2"}',
      });
      expect(r.status).toBe(code);
      expect(await r.json()).toMatchObject({ error: `the supervisor is ${status}` });
    }
  });
});
