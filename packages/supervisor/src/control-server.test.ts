// Counterparts of the control-server cases of the Python suite (testing/unit/test_orchestrator_control.py at HEAD),
// run in-process through Hono's request(): no sockets.
import { describe, expect, it } from 'vitest';
import { deps, fakeWorkspace } from '../test/fakes.ts';
import { createControlApp } from './control-server.ts';
import { CrashPolicy } from './crash-policy.ts';
import { Supervisor } from './supervisor.ts';

function app() {
  const ws = fakeWorkspace();
  const sup = new Supervisor(deps(ws));
  return { sup, app: createControlApp(sup, { workspace: ws, comfyuiPort: 8199 }) };
}
const local = { host: '127.0.0.1:5050' };

describe('control API', () => {
  it('GET /health and GET /status (idle)', async () => {
    const { app: a } = app();
    const health = await a.request('/health', { headers: local });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'alive',
      pid: process.pid,
      current_env: 'env1',
      supervised: false,
    });
    expect(await (await a.request('/status', { headers: local })).json()).toEqual({
      state: 'idle',
      current_env: 'env1',
      message: 'No switch in progress',
    });
  });

  it('POST /restart and /kill queue the commands', async () => {
    const { app: a } = app();
    expect(await (await a.request('/restart', { method: 'POST', headers: local })).json()).toMatchObject({
      status: 'restart_requested',
    });
    expect(await (await a.request('/kill', { method: 'POST', headers: local })).json()).toMatchObject({
      status: 'shutting_down',
    });
  });

  it('origin allow-list: ComfyUI origins pass with CORS headers, others get 403', async () => {
    const { app: a } = app();
    const ok = await a.request('/health', { headers: { ...local, origin: 'http://localhost:8199' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8199');
    expect(
      (await a.request('/health', { headers: { ...local, origin: 'http://evil.example' } })).status,
    ).toBe(403);
    expect(
      (await a.request('/kill', { method: 'POST', headers: { ...local, origin: 'http://127.0.0.1:9999' } }))
        .status,
    ).toBe(403);
  });

  it('CORS preflight from an allowed origin; refused from others', async () => {
    const { app: a } = app();
    const pre = await a.request('/restart', {
      method: 'OPTIONS',
      headers: { ...local, origin: 'http://127.0.0.1:8199' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(
      (
        await a.request('/restart', {
          method: 'OPTIONS',
          headers: { ...local, origin: 'http://evil.example' },
        })
      ).status,
    ).toBe(403);
  });

  it('DNS rebinding: a Host that is not a loopback name gets 403', async () => {
    const { app: a } = app();
    for (const host of ['evil.example', 'evil.example:5050', '10.0.0.1:5050']) {
      expect((await a.request('/health', { headers: { host } })).status, host).toBe(403);
    }
    for (const host of ['localhost:5050', '[::1]:5050', '127.0.0.1']) {
      expect((await a.request('/health', { headers: { host } })).status, host).toBe(200);
    }
  });

  it('POST /switch validates the body and the target', async () => {
    const { app: a } = app();
    const post = (body: string) =>
      a.request('/switch', {
        method: 'POST',
        headers: { ...local, 'content-type': 'application/json' },
        body,
      });
    expect((await post('{bad')).status).toBe(400);
    expect((await post('{}')).status).toBe(400);
    expect((await post('{"target_env": "../x"}')).status).toBe(400);
    expect((await post('{"target_env": "nope"}')).status).toBe(404);
    expect(await (await post('{"target_env": "env2"}')).json()).toMatchObject({
      status: 'switching',
      target_env: 'env2',
    });
    expect((await post('{"target_env": "env2"}')).status).toBe(409); // the lock is held
  });
});

describe('crash policy', () => {
  it('exponential backoff within the window, reset, give up past the limit', () => {
    const policy = new CrashPolicy({
      maxRestarts: 3,
      windowMs: 1_000,
      backoffInitialMs: 100,
      backoffMaxMs: 250,
    });
    expect(policy.recordCrash(0)).toEqual({ action: 'restart', delayMs: 100, crashesInWindow: 1 });
    expect(policy.recordCrash(10)).toEqual({ action: 'restart', delayMs: 200, crashesInWindow: 2 });
    expect(policy.recordCrash(20)).toEqual({ action: 'restart', delayMs: 250, crashesInWindow: 3 });
    expect(policy.recordCrash(30)).toEqual({ action: 'give_up', crashesInWindow: 4 });
    expect(policy.recordCrash(2_000)).toMatchObject({ action: 'restart', crashesInWindow: 1 });
    policy.reset();
    expect(policy.recordCrash(2_001)).toMatchObject({ crashesInWindow: 1 });
  });
});
