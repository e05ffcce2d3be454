import { cleanupWorkspaces, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHarnesses, KEY, startHarness } from './helpers.ts';

afterEach(async () => {
  await closeHarnesses();
  await killTracked();
  await cleanupWorkspaces();
});

const gpuBox = async (command: string) =>
  command === 'nvidia-smi' ? 'NVIDIA H100 80GB HBM3\nNVIDIA H100 80GB HBM3\n' : null;

describe('authentication', () => {
  it('guards every route, health and unknown paths included', async () => {
    const h = await startHarness();
    for (const [method, path] of [
      ['GET', '/api/v1/health'],
      ['GET', '/api/v1/system/info'],
      ['POST', '/api/v1/instances'],
      ['GET', '/nowhere'],
      ['GET', '/'],
    ] as const) {
      const missing = await h.api(method, path, undefined, {});
      expect([missing.status, missing.body]).toEqual([401, { error: 'Missing authorization' }]);
      const wrong = await h.api(method, path, undefined, { authorization: `Bearer ${KEY}x` });
      expect([wrong.status, wrong.body]).toEqual([401, { error: 'Invalid API key' }]);
      const lower = await h.api(method, path, undefined, { authorization: `bearer ${KEY}` });
      expect(lower.status).toBe(401);
    }
    const unknown = await h.api('GET', '/nowhere');
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'Not Found' }]);
    expect((await h.cg.calls()).length).toBe(0);
  });
});

describe('health and system', () => {
  it('health carries what the panel reads', async () => {
    const h = await startHarness({ runCommand: gpuBox });
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    await h.waitStatus(body.id, 'running');
    const health = await h.api('GET', '/api/v1/health');
    expect(health.body).toEqual({
      status: 'ok',
      worker_version: 'test',
      gpu_name: 'NVIDIA H100 80GB HBM3',
      default_mode: 'native',
      instance_count: 1,
      running_count: 1,
    });
  });

  it('gpu_name is null without nvidia-smi; /system/info and /system answer', async () => {
    const h = await startHarness({ runCommand: async () => null });
    expect((await h.api('GET', '/api/v1/health')).body.gpu_name).toBeNull();
    const info = await h.api('GET', '/api/v1/system/info');
    expect(info.body).toEqual({
      worker_version: 'test',
      workspace_path: h.ws.root,
      default_mode: 'native',
      instances: { total: 0, running: 0, stopped: 0 },
      ports: { range_start: h.range.start, range_end: h.range.end, allocated: [], available: 3 },
    });
    const system = await h.api('GET', '/api/v1/system');
    expect(system.body).toMatchObject({ ...info.body, gpu: { name: null, count: 0, names: [] } });
    expect(system.body.docker).toMatchObject({ available: false, supported: false });
  });

  it('the page at / lists the instances', async () => {
    const h = await startHarness();
    const { body } = await h.api('POST', '/api/v1/instances', {
      import_source: '/srv/a',
      cuda_visible_devices: '0,1',
    });
    await h.waitStatus(body.id, 'running');
    const page = await h.api('GET', '/');
    expect(page.body).toContain(body.id);
    expect(page.body).toContain('0,1');
    expect(page.body).toContain('running');
  });
});

describe('input', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['an array body', [], /JSON object/],
    ['a null body', null, /JSON object/],
    ['a string body', 'x', /JSON object/],
    ['no import_source', { name: 'x' }, /import_source is required/],
    ['a number as import_source', { import_source: 42 }, /import_source must be a string/],
    ['a list as import_source', { import_source: ['x'] }, /import_source must be a string/],
    ['an empty import_source', { import_source: '' }, /import_source must not be empty/],
    ['an option as import_source', { import_source: '--help' }, /must not start with "-"/],
    ['an option as branch', { import_source: '/srv/a', branch: '--upload-pack=touch /tmp/x' }, /branch/],
    ['a number as name', { import_source: '/srv/a', name: 7 }, /name must be a string/],
    ['an unknown mode', { import_source: '/srv/a', mode: 'podman' }, /mode must be/],
    [
      'a number as cuda_visible_devices',
      { import_source: '/srv/a', cuda_visible_devices: 1 },
      /cuda_visible_devices/,
    ],
    [
      'a shell string as cuda_visible_devices',
      { import_source: '/srv/a', cuda_visible_devices: '0;rm' },
      /cuda/,
    ],
    ['a newline in import_source', { import_source: '/srv/a\n--x' }, /control characters/],
  ];
  it.each(bad)('%s: 400 with a JSON error, nothing run', async (_what, payload, message) => {
    const h = await startHarness();
    const res = await h.api('POST', '/api/v1/instances', JSON.stringify(payload));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect((await h.api('GET', '/api/v1/instances')).body.instances).toEqual([]);
    expect(await h.cg.calls()).toEqual([]);
  });

  it('bad JSON is 400; a 1 MB body is 413; docker mode is 501; nothing runs', async () => {
    const h = await startHarness();
    const broken = await h.api('POST', '/api/v1/instances', '{"import_source": ');
    expect([broken.status, broken.body]).toEqual([400, { error: 'Invalid JSON' }]);
    const huge = await h.api(
      'POST',
      '/api/v1/instances',
      JSON.stringify({ import_source: '/srv/a', pad: 'x'.repeat(1_000_000) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatch(/too large/);
    const docker = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a', mode: 'docker' });
    expect([docker.status, docker.body]).toEqual([501, { error: 'Docker mode not yet supported' }]);
    const lines = await h.api('GET', '/api/v1/instances/inst_00000000/logs?lines=abc');
    expect(lines.status).toBe(400);
    expect((await h.api('POST', '/api/v1/instances/inst_00000000/start')).status).toBe(404);
    expect((await h.api('POST', '/api/v1/instances/inst_00000000/stop')).body).toEqual({
      error: 'Instance not found',
    });
    expect((await h.api('DELETE', '/api/v1/instances/inst_00000000')).status).toBe(404);
    expect(await h.cg.calls()).toEqual([]);
  });
});
