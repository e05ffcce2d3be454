import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES } from '@comfyvisor/ipc-files';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { createBridgeApp } from './app.ts';

const local = { host: '127.0.0.1:8000' };
const meta = (ws: string, name: keyof typeof FILE_NAMES) => join(ws, '.metadata', FILE_NAMES[name]);
const configOf = (ws: string) =>
  JSON.parse(readFileSync(meta(ws, 'config'), 'utf8')) as Record<string, unknown>;

function bridge(options: { token?: string } = {}) {
  const ws = tempWorkspace({ prefix: 'comfyvisor-bridge-config-' });
  const app = createBridgeApp({ workspace: ws, ...options });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await app.request(path, { headers: { ...local, ...headers } });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await app.request(path, {
      method: 'POST',
      headers: { ...local, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { ws, get, post };
}

describe('GET/POST /v2/comfygit/config, as the reference answers them', () => {
  it("gives the reference's fields: the workspace, extra args from the config, core fields null", async () => {
    const { ws, get } = bridge();
    writeFileSync(meta(ws, 'config'), JSON.stringify({ comfyui: { extra_args: ['--lowvram'] } }));
    for (const path of ['/v2/comfygit/config', '/api/v2/comfygit/config']) {
      expect((await get(path)).body).toEqual({
        workspace_path: ws,
        models_path: null,
        civitai_api_key: null,
        huggingface_token: null,
        auto_sync_models: true,
        confirm_destructive: true,
        comfyui_extra_args: ['--lowvram'],
      });
    }
  });

  it('writes comfyui_extra_args into the file, keeps the rest, and never writes the core fields', async () => {
    const { ws, get, post } = bridge();
    writeFileSync(meta(ws, 'config'), JSON.stringify({ comfyui: { default_port: 8200 }, other: [1] }));
    const r = await post('/api/v2/comfygit/config', {
      comfyui_extra_args: ['--listen', '0.0.0.0', '--cpu'],
      models_path: '/models',
      civitai_api_key: 'secret',
    });
    expect(r).toEqual({
      status: 200,
      body: { status: 'updated', ignored: ['models_path', 'civitai_api_key'] },
    });
    expect(configOf(ws)).toEqual({
      comfyui: { default_port: 8200, extra_args: ['--listen', '0.0.0.0', '--cpu'] },
      other: [1],
    });
    expect((await get('/v2/comfygit/config')).body.comfyui_extra_args).toEqual([
      '--listen',
      '0.0.0.0',
      '--cpu',
    ]);
    expect(readFileSync(meta(ws, 'config'), 'utf8')).not.toContain('secret');
  });

  it('refuses what is not a list of arguments with 400 and one line, writing nothing', async () => {
    const { ws, post } = bridge();
    const cases: [unknown, string | RegExp][] = [
      ['{not json', 'Invalid JSON'],
      [[1], 'Invalid JSON'],
      [{ comfyui_extra_args: '--cpu' }, 'comfyui_extra_args must be a list of strings'],
      [{ comfyui_extra_args: ['--cpu', 3] }, 'comfyui_extra_args must contain only strings'],
      [{ comfyui_extra_args: ['rm', '-rf'] }, /^comfyui_extra_args: item 1 \("rm"\) is not an argument/],
      [{ comfyui_extra_args: ['--a', 'x\ny'] }, 'comfyui_extra_args: item 2 holds a newline or NUL'],
      [{ comfyui_extra_args: Array(101).fill('--cpu') }, 'comfyui_extra_args: more than 100 arguments'],
    ];
    for (const [body, error] of cases) {
      const r = await post('/v2/comfygit/config', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatch(error);
    }
    expect(() => readFileSync(meta(ws, 'config'))).toThrow(/ENOENT/);
  });

  it('leaves a corrupt config alone (409) instead of replacing it', async () => {
    const { ws, post } = bridge();
    writeFileSync(meta(ws, 'config'), '{"comfyui": {');
    const r = await post('/v2/comfygit/config', { comfyui_extra_args: ['--cpu'] });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/orchestrator_config\.json cannot be read/);
    expect(readFileSync(meta(ws, 'config'), 'utf8')).toBe('{"comfyui": {');
  });

  it('needs the login like every other route when the bridge has one', async () => {
    const { ws, post } = bridge({ token: 'config-token-0123456789' });
    const refused = await post('/v2/comfygit/config', { comfyui_extra_args: ['--cpu'] });
    expect(refused.status).toBe(401);
    expect(() => readFileSync(meta(ws, 'config'))).toThrow(/ENOENT/);
    const ok = await post(
      '/v2/comfygit/config',
      { comfyui_extra_args: ['--cpu'] },
      { authorization: 'Bearer config-token-0123456789' },
    );
    expect(ok.status).toBe(200);
  });
});

describe('GET /v2/workspace/debug/orchestrator-logs, as the reference answers it', () => {
  const lines = [
    '[comfyvisor] starting ComfyUI in env1',
    '[comfyvisor] warning: liveness probe failed',
    'Traceback (most recent call last):',
    '[comfyvisor] debug: probe ok',
    'RuntimeError: CUDA out of memory',
  ];

  it("gives each line as the reference's entry with its guessed level; lines default 500", async () => {
    const { ws, get } = bridge();
    writeFileSync(meta(ws, 'log'), `${lines.join('\n')}\n\n`);
    const r = await get('/api/v2/workspace/debug/orchestrator-logs');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      ['INFO', 'WARNING', 'ERROR', 'DEBUG', 'ERROR'].map((level, i) => ({
        timestamp: '',
        name: 'orchestrator',
        level,
        func: '',
        line: 0,
        message: lines[i],
      })),
    );
    writeFileSync(meta(ws, 'log'), Array.from({ length: 700 }, (_, i) => `line ${i}`).join('\n'));
    const all = (await get('/v2/workspace/debug/orchestrator-logs')).body as unknown as { message: string }[];
    expect(all).toHaveLength(500);
    expect(all[0]?.message).toBe('line 200');
    const few = (await get('/v2/workspace/debug/orchestrator-logs?lines=3')).body as unknown as unknown[];
    expect(few).toHaveLength(3);
  });

  it('filters by level (which the reference ignores), then keeps the last lines', async () => {
    const { ws, get } = bridge();
    writeFileSync(meta(ws, 'log'), lines.join('\n'));
    const errors = (await get('/v2/workspace/debug/orchestrator-logs?level=error')).body as unknown as {
      message: string;
    }[];
    expect(errors.map((e) => e.message)).toEqual([lines[2], lines[4]]);
    const last = (await get('/v2/workspace/debug/orchestrator-logs?level=ERROR&lines=1')).body as unknown as {
      message: string;
    }[];
    expect(last.map((e) => e.message)).toEqual([lines[4]]);
    const warn = (await get('/v2/workspace/debug/orchestrator-logs?level=warn')).body as unknown as unknown[];
    expect(warn).toHaveLength(1);
    expect((await get('/v2/workspace/debug/orchestrator-logs?level=LOUD')).status).toBe(400);
    expect((await get('/v2/workspace/debug/orchestrator-logs?lines=abc')).status).toBe(400);
    expect((await get('/v2/workspace/debug/orchestrator-logs?lines=0')).status).toBe(400);
  });

  it('reads only the end of a huge log; a missing log, a directory or a symlink is no lines', async () => {
    const { ws, get } = bridge();
    writeFileSync(meta(ws, 'log'), `${'x'.repeat(20 * 1024 * 1024)}\nlast\n`);
    const big = (await get('/v2/workspace/debug/orchestrator-logs?lines=10000')).body as unknown as {
      message: string;
    }[];
    expect(big.map((e) => e.message)).toEqual(['last']);

    const empty = bridge();
    expect((await empty.get('/v2/workspace/debug/orchestrator-logs')).body).toEqual([]);
    expect((await empty.get('/v2/workspace/debug/orchestrator-logs/path')).body).toEqual({
      path: meta(empty.ws, 'log'),
      exists: false,
    });
    mkdirSync(meta(empty.ws, 'log'));
    expect((await empty.get('/v2/workspace/debug/orchestrator-logs')).body).toEqual([]);
    const linked = bridge();
    writeFileSync(join(linked.ws, 'secret.txt'), 'secret\n');
    symlinkSync(join(linked.ws, 'secret.txt'), meta(linked.ws, 'log'));
    expect((await linked.get('/v2/workspace/debug/orchestrator-logs')).body).toEqual([]);
    expect((await get('/api/v2/workspace/debug/orchestrator-logs/path')).body).toEqual({
      path: meta(ws, 'log'),
      exists: true,
    });
  });
});
