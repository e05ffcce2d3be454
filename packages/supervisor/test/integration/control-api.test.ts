// Counterparts of the control-server cases of the Python suite (testing/unit/test_orchestrator_control.py),
// over a real socket with a stand-in supervisor behind the ControlTarget interface.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type ControlServer, type ControlTarget, startControlServer } from '../../src/control-server.ts';
import { ControlPortInUseError } from '../../src/errors.ts';
import type { SupervisorCommand } from '../../src/supervisor-command.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function standIn() {
  const sent: Array<{ command: SupervisorCommand }> = [];
  let locked = false;
  const target: ControlTarget = {
    snapshot: () => ({
      pid: 4242,
      currentEnv: 'env1',
      comfyui: { pid: 99, running: true, uptimeMs: 61_500 },
    }),
    send: (command) => void sent.push({ command }),
    requestSwitch: async (name) => {
      if (name.includes('/')) return { ok: false, status: 400, error: 'invalid environment name' };
      if (name !== 'env2') return { ok: false, status: 404, error: `environment "${name}" does not exist` };
      if (locked) return { ok: false, status: 409, error: 'a switch is already in progress' };
      locked = true;
      return { ok: true };
    },
    readStatus: async () => null,
  };
  return { target, sent };
}

let server: ControlServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(options: Partial<Parameters<typeof startControlServer>[2]> = {}) {
  const s = standIn();
  server = await startControlServer(s.target, [0, 0], { comfyuiPort: 8199, version: '9.9.9', ...options });
  return { ...s, port: server.port };
}

describe('control API', () => {
  it('GET /health says what it is and what it can do; GET /status is idle', async () => {
    const { port } = await serve();
    const health = await call(port, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({
      status: 'alive',
      pid: 4242,
      current_env: 'env1',
      supervised: true,
      comfyui: { pid: 99, running: true, uptime_seconds: 61, queue: null },
      draining: null,
      supervisor: {
        name: 'comfyvisor',
        version: '9.9.9',
        capabilities: expect.arrayContaining(['switch_command']),
      },
    });
    // one Date header, an HTTP date of now (written by the server itself, not by node)
    const before = Math.floor(Date.now() / 1000) * 1000;
    expect(health.headers.date).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/,
    );
    expect(Date.parse(health.headers.date as string)).toBeGreaterThanOrEqual(before - 2000);
    expect(Date.parse(health.headers.date as string)).toBeLessThanOrEqual(Date.now());
    const preflight = await call(port, 'OPTIONS', '/restart', { origin: 'http://127.0.0.1:8199' });
    expect(preflight.headers.date).toMatch(/ GMT$/);
    expect((await call(port, 'GET', '/status')).json()).toEqual({
      state: 'idle',
      current_env: 'env1',
      message: 'No switch in progress',
    });
  });

  it('POST /restart and /kill answer first, then queue the command (at once for a caller that is not ComfyUI)', async () => {
    // A reply delay out of reach (10 min): a command that arrives at all came without it.
    const { port, sent } = await serve({ peerIsComfyui: async () => false, replyDelayMs: 600_000 });
    expect((await call(port, 'POST', '/restart')).json()).toMatchObject({ status: 'restart_requested' });
    await expect.poll(() => sent.length).toBe(1);
    expect(sent[0]?.command).toEqual({ command: 'restart' });
    expect((await call(port, 'POST', '/kill')).json()).toMatchObject({ status: 'shutting_down' });
    await expect.poll(() => sent.map((s) => s.command.command)).toEqual(['restart', 'shutdown']);
  });

  it('force skips the drain: {"force": true} or ?force=1 on /restart, /kill and /switch; no body or other JSON drains', async () => {
    const { port, sent } = await serve({ peerIsComfyui: async () => false, replyDelayMs: 600_000 });
    const json = { 'content-type': 'application/json' };
    await call(port, 'POST', '/restart');
    await call(port, 'POST', '/restart', json, '{"force": true}');
    await call(port, 'POST', '/kill?force=1');
    await call(port, 'POST', '/kill', json, '{"force": "yes"}');
    await call(port, 'POST', '/restart', json, 'not json');
    await expect.poll(() => sent.length).toBe(5);
    expect(sent.map((s) => s.command)).toEqual([
      { command: 'restart' },
      { command: 'restart', force: true },
      { command: 'shutdown', force: true },
      { command: 'shutdown' },
      { command: 'restart' },
    ]);
  });

  it('a command from ComfyUI itself (the panel proxy) or an unknown peer waits until after the answer', async () => {
    for (const peer of [true, null]) {
      // The delay is held by the test (no clock): nothing can arrive before it is let go.
      const held: Array<{ act: () => void; ms: number }> = [];
      const { port, sent } = await serve({
        peerIsComfyui: async () => peer,
        replyDelayMs: 300,
        later: (act, ms) => void held.push({ act, ms }),
      });
      const answer = await call(port, 'POST', '/restart');
      expect(answer.status).toBe(200);
      // Once flushed, the command is handed to the delay, not acted on.
      await expect.poll(() => held.map((h) => h.ms)).toEqual([300]);
      expect((await call(port, 'GET', '/health')).status).toBe(200);
      expect(sent, String(peer)).toHaveLength(0);
      held[0]?.act();
      expect(sent.map((s) => s.command)).toEqual([{ command: 'restart' }]);
      await server?.close();
      server = null;
    }
  });

  it('origin allow-list: ComfyUI origins pass with CORS headers, others get 403', async () => {
    const { port } = await serve();
    const ok = await call(port, 'GET', '/health', { origin: 'http://localhost:8199' });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:8199');
    expect((await call(port, 'GET', '/health', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await call(port, 'POST', '/kill', { origin: 'http://127.0.0.1:9999' })).status).toBe(403);
  });

  it('CORS preflight from an allowed origin (Content-Type, Comfy-User); refused from others', async () => {
    const { port } = await serve();
    const pre = await call(port, 'OPTIONS', '/restart', { origin: 'http://127.0.0.1:8199' });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(pre.headers['access-control-allow-headers']).toBe('Content-Type, Comfy-User');
    expect((await call(port, 'OPTIONS', '/restart', { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('DNS rebinding: a Host that is not a loopback name gets 403', async () => {
    const { port } = await serve();
    for (const host of ['evil.example', 'evil.example:5050', '10.0.0.1:5050'])
      expect((await call(port, 'GET', '/health', { host })).status, host).toBe(403);
    for (const host of ['localhost:5050', '[::1]:5050', '127.0.0.1'])
      expect((await call(port, 'GET', '/health', { host })).status, host).toBe(200);
  });

  it('POST /switch validates the body and the target; a wrong method is 405, an unknown path 404', async () => {
    const { port } = await serve();
    const post = (body: string) =>
      call(port, 'POST', '/switch', { 'content-type': 'application/json' }, body);
    expect((await post('{bad')).status).toBe(400);
    expect((await post('{}')).status).toBe(400);
    // nested 5,000 deep (10 KB, under the body cap): refused, and the server stays up
    expect((await post(`${'['.repeat(5_000)}${']'.repeat(5_000)}`)).status).toBe(400);
    expect((await post(`{"target_env": ${'['.repeat(5_000)}${']'.repeat(5_000)}}`)).status).toBe(400);
    expect((await post('{"target_env": "../x"}')).status).toBe(400);
    expect((await post('{"target_env": "nope"}')).status).toBe(404);
    expect((await post('{"target_env": "env2"}')).json()).toMatchObject({
      status: 'switching',
      target_env: 'env2',
    });
    expect((await post('{"target_env": "env2"}')).status).toBe(409);
    expect((await call(port, 'GET', '/switch')).status).toBe(405);
    expect((await call(port, 'POST', '/health')).json()).toMatchObject({ error: expect.any(String) });
    expect((await call(port, 'GET', '/nope')).status).toBe(404);
  });

  it('a request body over the cap is refused with 413 and not read into memory', async () => {
    const { port } = await serve({ maxBodyBytes: 1024 });
    const big = Buffer.alloc(5 * 1024 * 1024, 'a');
    const answer = await call(port, 'POST', '/switch', { 'content-type': 'application/json' }, big).catch(
      (error: Error) => ({ status: -1, text: error.message }),
    );
    expect([413, -1]).toContain(answer.status);
    if (answer.status === 413)
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'request body too large' });
    // The server is still there for everyone else.
    expect((await call(port, 'GET', '/health')).status).toBe(200);
  });

  it('a control port in use: ControlPortInUseError naming the range, the system error kept as cause', async () => {
    const { port } = await serve();
    const error = await startControlServer(standIn().target, [port, port], { comfyuiPort: 8199 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ControlPortInUseError);
    expect((error as Error).message).toContain(`no free control port in ${port}-${port}`);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });
});
