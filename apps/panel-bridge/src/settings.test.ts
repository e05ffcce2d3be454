import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES, loadConfig } from '@comfyvisor/ipc-files';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { createBridgeApp } from './app.ts';

const local = { host: '127.0.0.1:8000' };

function bridge() {
  const ws = tempWorkspace({ prefix: 'comfyvisor-bridge-settings-' });
  const app = createBridgeApp({ workspace: ws });
  const file = join(ws, '.metadata', FILE_NAMES.config);
  const get = async () => (await app.request('/v2/comfyvisor/settings', { headers: local })).json();
  const post = async (body: unknown) => {
    const r = await app.request('/api/v2/comfyvisor/settings', {
      method: 'POST',
      headers: { ...local, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { ws, file, get, post };
}

describe('GET/POST /v2/comfyvisor/settings', () => {
  it('gives the edited keys with their defaults when there is no file, and writes nothing', async () => {
    const { file, get } = bridge();
    expect(await get()).toEqual({
      path: file,
      comfyui: { extra_args: [], env: {} },
      orchestrator: {
        drain_enabled: true,
        drain_timeout_s: 900,
        requeue_pending: true,
        liveness_busy_timeout_s: 600,
        restart_rss_mb: 0,
        restart_vram_mb: 0,
        restart_daily_at: [],
        idle_free_s: 0,
        fatal_output_patterns: expect.arrayContaining([expect.stringMatching(/CUDA/)]),
      },
      environments: {},
      applies_at: 'the next start of ComfyUI',
    });
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('saves global and per-environment args and variables and the watchdog keys; the loader reads them back', async () => {
    const { ws, file, post } = bridge();
    writeFileSync(
      file,
      JSON.stringify({ orchestrator: { control_port: 5060 }, environments: { old: { env: { A: '1' } } } }),
    );
    const r = await post({
      comfyui: { extra_args: ['--lowvram'], env: { PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True' } },
      orchestrator: {
        drain_timeout_s: 120,
        restart_rss_mb: 24000,
        restart_daily_at: ['04:30'],
        drain_enabled: false,
      },
      environments: {
        env2: { extra_args: ['--port', '8200'], env: { CUDA_VISIBLE_DEVICES: '1' } },
        old: null,
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'saved',
      message: 'Saved. It applies at the next start of ComfyUI.',
    });
    const config = await loadConfig(join(ws, '.metadata'));
    expect(config.orchestrator).toMatchObject({
      controlPort: 5060,
      drainTimeoutS: 120,
      restartRssMb: 24000,
      restartDailyAt: ['04:30'],
      drainEnabled: false,
    });
    expect(config.comfyui.env).toEqual({ PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True' });
    expect(config.environments).toEqual({
      env2: { extraArgs: ['--port', '8200'], env: { CUDA_VISIBLE_DEVICES: '1' } },
    });
    expect((r.body.settings as { environments: unknown }).environments).toEqual({
      env2: { extra_args: ['--port', '8200'], env: { CUDA_VISIBLE_DEVICES: '1' } },
    });
  });

  it('refuses bad input with 400 and one line naming the key, writing nothing', async () => {
    const { file, post } = bridge();
    writeFileSync(file, '{"orchestrator": {"drain_timeout_s": 60}}');
    const cases: [unknown, RegExp][] = [
      [
        { orchestrator: { drain_timeout_s: -5 } },
        /^orchestrator\.drain_timeout_s = -5 refused \(expected a number from 0 to 604800\)$/,
      ],
      [{ orchestrator: { drain_enabled: 'yes' } }, /drain_enabled.*true or false/],
      [{ orchestrator: { restart_daily_at: ['4pm'] } }, /restart_daily_at\[0\]/],
      [{ orchestrator: { fatal_output_patterns: ['[unclosed'] } }, /not a valid regular expression/],
      [{ orchestrator: { control_port: 1 } }, /^orchestrator\.control_port cannot be changed here$/],
      [
        { comfyui: { extra_args: ['lowvram'] } },
        /^comfyui\.extra_args: item 1 \("lowvram"\) is not an argument/,
      ],
      [{ comfyui: { env: { 'BAD=NAME': 'x' } } }, /not a variable name/],
      [{ comfyui: { env: { N: 5 } } }, /not a string/],
      [{ environments: { '../x': {} } }, /^environments: .* slash/],
      [
        { environments: { env1: { extra_args: ['--a', 'b', 'c'] } } },
        /environments\."env1"\.extra_args: item 3/,
      ],
      [{ environments: { env1: { cwd: '/' } } }, /environments\.env1\.cwd cannot be changed here/],
      [{ frontend: {} }, /"frontend" is not a section/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ error: 'invalid_settings' });
      expect(r.body.message).toMatch(message);
    }
    expect(readFileSync(file, 'utf8')).toBe('{"orchestrator": {"drain_timeout_s": 60}}');
  });
});
