import { existsSync } from 'node:fs';
import { cleanupWorkspaces, httpJson, isAlive, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHarnesses, environOf, startHarness } from './helpers.ts';

afterEach(async () => {
  await closeHarnesses();
  await killTracked();
  await cleanupWorkspaces();
});

describe('deploy, stop, start, delete', () => {
  it('deploys with cg import and runs the instance, answering on the URL of the host the client called', async () => {
    const h = await startHarness();
    const res = await h.api('POST', '/api/v1/instances', {
      import_source: 'https://github.com/example/flux.git',
      name: 'My Flux!!',
      branch: 'v1.2',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'deploying', mode: 'native', assigned_port: h.range.start });
    expect(res.body.id).toMatch(/^inst_[0-9a-f]{8}$/);
    expect(res.body.name).toMatch(/^deploy-my-flux-\d{8}-[0-9a-f]{4}$/);
    expect(res.body.environment_name).toBe(res.body.name);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

    const running = await h.waitStatus(res.body.id, 'running');
    expect(running.comfyui_url).toBe(`http://127.0.0.1:${h.range.start}`);
    expect(running.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect((await httpJson(`${running.comfyui_url}/system_stats`)).body.environment).toBe(res.body.name);

    const calls = (await h.cg.calls()).filter((c) => c.event === 'call');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.argv).toEqual([
      'import',
      'https://github.com/example/flux.git',
      '--name',
      res.body.name,
      '-y',
      '--models',
      'all',
      '--branch',
      'v1.2',
    ]);
    expect(calls[0]?.comfygit_home).toBe(h.ws.root);
    expect(environOf(running.pid).COMFYGIT_HOME).toBe(h.ws.root);

    const list = (await h.api('GET', '/api/v1/instances')).body;
    expect(list.port_range).toEqual({ start: h.range.start, end: h.range.end });
    expect(list.ports_available).toBe(h.range.end - h.range.start - 1);
    expect(list.instances[0]).toMatchObject({
      id: res.body.id,
      environment_name: res.body.name,
      status: 'running',
    });
    expect(list.instances[0].uptime_seconds).toBeTypeOf('number');
  });

  it('stop keeps the port, start reports running only once ComfyUI answers, delete frees the port at once', async () => {
    const h = await startHarness({ ports: 2 });
    const { body } = await h.api('POST', '/api/v1/instances', {
      import_source: '/srv/env.tar.gz',
      cuda_visible_devices: '1',
    });
    const first = await h.waitStatus(body.id, 'running');
    expect(environOf(first.pid).CUDA_VISIBLE_DEVICES).toBe('1');

    const stopped = await h.api('POST', `/api/v1/instances/${body.id}/stop`);
    expect(stopped.body).toEqual({
      id: body.id,
      status: 'stopped',
      assigned_port: h.range.start,
      message: `Instance stopped. Port ${h.range.start} remains reserved.`,
    });
    expect(isAlive(first.pid)).toBe(false);
    expect((await h.api('GET', '/api/v1/instances')).body.ports_available).toBe(1);

    const started = await h.api('POST', `/api/v1/instances/${body.id}/start`);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'running', assigned_port: h.range.start });
    expect((await httpJson(`${started.body.comfyui_url}/system_stats`)).status).toBe(200);
    const again = (await h.api('GET', `/api/v1/instances/${body.id}`)).body;
    expect(again.cuda_visible_devices).toBe('1');
    expect(environOf(again.pid).CUDA_VISIBLE_DEVICES).toBe('1');

    const envDir = h.ws.envDir(body.name);
    const gone = await h.api('DELETE', `/api/v1/instances/${body.id}`);
    expect(gone.body).toEqual({
      id: body.id,
      status: 'terminated',
      message: `Instance terminated. Port ${h.range.start} released. Environment '${body.name}' deleted.`,
    });
    expect(existsSync(envDir)).toBe(false);
    expect(isAlive(again.pid)).toBe(false);
    expect((await h.api('GET', `/api/v1/instances/${body.id}`)).status).toBe(404);

    // the port ComfyUI was just used on over HTTP is handed out again at once
    const next = await h.api('POST', '/api/v1/instances', { import_source: '/srv/env.tar.gz' });
    expect(next.body.assigned_port).toBe(h.range.start);
    await h.waitStatus(next.body.id, 'running');
  });

  it('keep_env=true keeps the environment; a full range answers 503 and creates nothing', async () => {
    const h = await startHarness({ ports: 1 });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    await h.waitStatus(body.id, 'running');
    const full = await h.api('POST', '/api/v1/instances', { import_source: '/srv/b' });
    expect(full.status).toBe(503);
    expect(full.body).toEqual({ error: 'No available ports' });
    const kept = await h.api('DELETE', `/api/v1/instances/${body.id}?keep_env=true`);
    expect(kept.body.message).toBe(`Instance terminated. Port ${h.range.start} released.`);
    expect(existsSync(h.ws.envDir(body.name))).toBe(true);
    expect((await h.cg.calls()).filter((c) => c.event === 'call')).toHaveLength(1);
  });

  it('a failed import ends in error and its output is in the log', async () => {
    const h = await startHarness({ cg: { failCode: 3 } });
    const { body } = await h.api('POST', '/api/v1/instances', {
      import_source: 'https://example.com/broken.git',
    });
    const failed = await h.waitStatus(body.id, 'error');
    expect(failed.error).toContain('exited with 3');
    const logs = (await h.api('GET', `/api/v1/instances/${body.id}/logs?lines=50`)).body.logs.map(
      (l: any) => l.message,
    );
    expect(logs).toContain('error: could not import https://example.com/broken.git (fake failure)');
    expect(logs.every((l: unknown) => typeof l === 'string')).toBe(true);
  });

  it.each(['stop', 'delete'])(
    '%s during a deploy ends the import and starts nothing afterwards',
    async (action) => {
      const h = await startHarness({ cg: { delayMs: 30_000 } });
      const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/slow' });
      await expect
        .poll(async () => (await h.cg.calls()).some((c) => c.event === 'call'), { timeout: 10_000 })
        .toBe(true);
      const call = (await h.cg.calls()).find((c) => c.event === 'call');
      const res =
        action === 'stop'
          ? await h.api('POST', `/api/v1/instances/${body.id}/stop`)
          : await h.api('DELETE', `/api/v1/instances/${body.id}`);
      expect(res.status).toBe(200);
      expect((await h.cg.calls()).some((c) => c.event === 'sigterm')).toBe(true);
      expect(isAlive(call?.pid ?? 0)).toBe(false);
      expect(existsSync(h.ws.envDir(body.name))).toBe(false);
      const state = (await h.api('GET', `/api/v1/instances/${body.id}`)).body;
      if (action === 'stop') expect(state.status).toBe('stopped');
      else expect(state).toEqual({ error: 'Instance not found' });
      expect(await h.ws.events()).toEqual([]); // no ComfyUI was started
    },
  );

  it('a ComfyUI that crashes at start ends in error, not running', async () => {
    const h = await startHarness({ cg: { behaviour: { '/srv/crashy': { mode: 'crash', crashCode: 7 } } } });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/crashy' });
    const failed = await h.waitStatus(body.id, 'error');
    expect(failed.restarts).toBe(2);
    expect(failed.comfyui_url).toBeNull();
    const start = await h.api('POST', `/api/v1/instances/${body.id}/start`);
    expect(start.status).toBe(500);
    expect(start.body.error).toMatch(/^Failed to start instance/);
  });

  it('exit 42 restarts the instance; a crash is restarted', async () => {
    const h = await startHarness();
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    const first = await h.waitStatus(body.id, 'running');
    await httpJson(`${first.comfyui_url}/exit/42`, { method: 'POST' });
    await expect
      .poll(async () => (await h.api('GET', `/api/v1/instances/${body.id}`)).body.restarts, {
        timeout: 10_000,
      })
      .toBe(1);
    const second = await h.waitStatus(body.id, 'running');
    expect(second.pid).not.toBe(first.pid);
    await httpJson(`${second.comfyui_url}/exit/1`, { method: 'POST' });
    await expect
      .poll(async () => (await h.api('GET', `/api/v1/instances/${body.id}`)).body.restarts, {
        timeout: 10_000,
      })
      .toBe(2);
    expect((await h.waitStatus(body.id, 'running')).pid).not.toBe(second.pid);
  });

  it('a hung instance is restarted by its supervisor (liveness), and counted', async () => {
    const h = await startHarness({
      worker: {
        runnerSettings: {
          stopGraceMs: 1_000,
          livenessIntervalMs: 500,
          livenessFailures: 2,
          livenessTimeoutMs: 300,
          crashMaxRestarts: 3,
        },
      },
    });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    const first = await h.waitStatus(body.id, 'running');
    await httpJson(`${first.comfyui_url}/hang`, { method: 'POST' }).catch(() => null);
    await expect
      .poll(async () => (await h.api('GET', `/api/v1/instances/${body.id}`)).body.restarts, {
        timeout: 15_000,
      })
      .toBe(1);
    const second = await h.waitStatus(body.id, 'running');
    expect(second.pid).not.toBe(first.pid);
    expect(isAlive(first.pid)).toBe(false);
  });

  it('stop ends a ComfyUI that ignores SIGTERM (SIGKILL after the grace)', async () => {
    const h = await startHarness({ cg: { behaviour: { '/srv/stubborn': { ignoreSigterm: true } } } });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/stubborn' });
    const running = await h.waitStatus(body.id, 'running');
    await h.api('POST', `/api/v1/instances/${body.id}/stop`);
    expect(isAlive(running.pid)).toBe(false);
    expect((await h.ws.events()).some((e) => e.event === 'sigterm' && e.pid === running.pid)).toBe(true);
  });

  it('a start waiting for a slow ComfyUI returns when the instance is deleted meanwhile', async () => {
    const h = await startHarness({
      cg: { behaviour: { '/srv/slow': { mode: 'slow', startDelayMs: 60_000 } } },
    });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/slow' });
    await h.waitStatus(body.id, 'starting');
    const start = h.api('POST', `/api/v1/instances/${body.id}/start`);
    await h.ws.waitForEvent({ event: 'started', env: body.name });
    expect((await h.api('DELETE', `/api/v1/instances/${body.id}`)).status).toBe(200);
    const answer = await start;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'stopped', comfyui_url: null });
  });
});
