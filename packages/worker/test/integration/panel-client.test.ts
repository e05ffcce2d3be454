// A client written from the panel's side (comfyhub-org/comfygit-manager server/api/v2/custom_workers.py
// and deploy.py): the calls it makes, the keys it reads, and its status mapping.
import { cleanupWorkspaces, httpJson, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHarnesses, KEY, startHarness } from './helpers.ts';

afterEach(async () => {
  await closeHarnesses();
  await killTracked();
  await cleanupWorkspaces();
});

interface WorkerEntry {
  host: string;
  port: number;
  api_key: string;
}

const call = (w: WorkerEntry, method: string, path: string, body?: unknown, timeoutMs = 30_000) =>
  httpJson(`http://${w.host}:${w.port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${w.api_key}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });

/** POST .../custom/test and GET .../custom/workers: online, gpu, mode from /health. */
async function testConnection(w: WorkerEntry) {
  const res = await call(w, 'GET', '/api/v1/health', undefined, 10_000);
  if (res.status === 401) return { success: false, error: 'Invalid API key' };
  if (res.status !== 200) return { success: false, error: `Worker returned status ${res.status}` };
  return {
    success: true,
    gpu: res.body.gpu_name,
    mode: res.body.default_mode,
    instances: res.body.instance_count,
    running: res.body.running_count,
  };
}

/** The frontend's deploy: success iff `result.id`. */
async function deploy(w: WorkerEntry, importSource: string, mode: string, name?: string) {
  const res = await call(
    w,
    'POST',
    '/api/v1/instances',
    { import_source: importSource, mode, ...(name ? { name } : {}) },
    60_000,
  );
  if (res.body?.id) return { ok: true as const, instance: res.body };
  return { ok: false as const, message: res.body?.error ?? 'Unexpected response from worker' };
}

/** deploy.py's GET /v2/comfygit/deploy/instances over a custom worker. */
const STATUS_MAP: Record<string, string> = {
  deploying: 'deploying',
  starting: 'deploying',
  running: 'running',
  stopped: 'stopped',
  error: 'error',
};
async function deployInstances(w: WorkerEntry) {
  const res = await call(w, 'GET', '/api/v1/instances', undefined, 5_000);
  return (res.body.instances as any[]).map((i) => ({
    id: i.id,
    name: i.name,
    status: STATUS_MAP[i.status] ?? 'error',
    comfyui_url: i.comfyui_url,
    uptime_seconds: i.uptime_seconds ?? 0,
    created_at: i.created_at,
  }));
}

describe("the panel's custom worker calls", () => {
  it('test connection, deploy, list, info, stop, start, delete', async () => {
    const h = await startHarness({
      runCommand: async (c: string) => (c === 'nvidia-smi' ? 'NVIDIA L40S\n' : null),
    });
    const w: WorkerEntry = { host: '127.0.0.1', port: h.server.port, api_key: KEY };

    expect(await testConnection({ ...w, api_key: 'cg_wk_wrong' })).toEqual({
      success: false,
      error: 'Invalid API key',
    });
    expect(await testConnection(w)).toEqual({
      success: true,
      gpu: 'NVIDIA L40S',
      mode: 'native',
      instances: 0,
      running: 0,
    });

    const info = await call(w, 'GET', '/api/v1/system');
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      worker_version: 'test',
      default_mode: 'native',
      gpu: { name: 'NVIDIA L40S' },
    });

    const failed = await deploy(w, '', 'native');
    expect(failed).toEqual({ ok: false, message: 'import_source must not be empty' });
    const made = await deploy(w, 'https://github.com/example/env.git', 'native', 'Panel Deploy');
    expect(made.ok).toBe(true);
    const id = made.ok ? made.instance.id : '';
    expect((await deployInstances(w))[0]).toMatchObject({ id, status: 'deploying' });

    await expect.poll(async () => (await deployInstances(w))[0]?.status, { timeout: 20_000 }).toBe('running');
    const [running] = await deployInstances(w);
    expect(running?.comfyui_url).toBe(`http://127.0.0.1:${h.range.start}`);
    expect(running?.uptime_seconds).toBeTypeOf('number');
    expect((await httpJson(`${running?.comfyui_url}/system_stats`)).status).toBe(200);
    expect((await testConnection(w)).running).toBe(1);

    expect((await call(w, 'POST', `/api/v1/instances/${id}/stop`)).body.status).toBe('stopped');
    expect((await deployInstances(w))[0]).toMatchObject({
      status: 'stopped',
      comfyui_url: null,
      uptime_seconds: 0,
    });
    expect((await call(w, 'POST', `/api/v1/instances/${id}/start`)).body.status).toBe('running');
    expect((await call(w, 'DELETE', `/api/v1/instances/${id}`)).body.status).toBe('terminated');
    expect(await deployInstances(w)).toEqual([]);
  });
});
