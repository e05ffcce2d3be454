import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { comfyuiAddress, comfyuiUrl, probeHttp, probeTcp, waitForHealthy } from '@comfyvisor/health';
import { createWorkspace, freePort, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('probes against real sockets', () => {
  it('test_check_port_connection_timeout: a server that accepts but never answers HTTP times out', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    const port = await listen(server);
    // The probe's own timer ends it (its detail says so), on a connection the server did accept.
    expect(await probeHttp(`http://127.0.0.1:${port}/system_stats`, 200)).toEqual({
      ok: false,
      reason: 'timeout',
      detail: 'no answer within 200 ms',
    });
    expect(sockets).toHaveLength(1);
    for (const s of sockets) s.destroy();
    server.close();
  });

  it('with an endless limit the probe sets no timer and ends when its signal aborts', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    const port = await listen(server);
    const stop = new AbortController();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    let before = timers();
    const probe = probeHttp(`http://127.0.0.1:${port}/`, Number.POSITIVE_INFINITY, stop.signal);
    expect(timers()).toBe(before);
    // a finite limit does set one (what the endless one saves)
    const bounded = new AbortController();
    before = timers();
    const other = probeHttp(`http://127.0.0.1:${port}/`, 60_000, bounded.signal);
    expect(timers()).toBe(before + 1);
    await vi.waitFor(() => expect(sockets).toHaveLength(2)); // connected, no answer, still waiting
    stop.abort();
    bounded.abort();
    expect(await probe).toMatchObject({ ok: false, reason: 'timeout' });
    expect(await other).toMatchObject({ ok: false, reason: 'timeout' });
    expect(await probeHttp(`http://127.0.0.1:${port}/`, 1_000, AbortSignal.abort())).toMatchObject({
      ok: false,
      reason: 'timeout',
    });
    for (const s of sockets) s.destroy();
    server.close();
  });

  it('an HTTP error status is not healthy; a 200 is', async () => {
    let status = 500;
    const server = createHttpServer((_req, res) => {
      res.statusCode = status;
      res.end('{}');
    });
    const port = await listen(server);
    expect(await probeHttp(`http://127.0.0.1:${port}/`, 1_000)).toMatchObject({
      ok: false,
      reason: 'http_status',
      detail: 'HTTP 500',
    });
    status = 200;
    expect(await probeHttp(`http://127.0.0.1:${port}/`, 1_000)).toEqual({ ok: true });
    server.close();
  });

  it('the probe sends one GET with the path and Host, and reads only the status line', async () => {
    const seen: string[] = [];
    const server = createServer((socket: Socket) => {
      socket.once('data', (chunk) => {
        seen.push(String(chunk));
        // the status line in two pieces, then a body the probe does not wait for
        socket.write('HTTP/1.1 2');
        setTimeout(() => socket.write('04 No Content\r\nContent-Length: 0\r\n\r\n'), 20);
      });
    });
    const port = await listen(server);
    expect(await probeHttp(`http://127.0.0.1:${port}/system_stats?x=1`, 1_000)).toEqual({ ok: true });
    server.close();
    expect(seen[0]).toMatch(
      new RegExp(`^GET /system_stats\\?x=1 HTTP/1\\.1\r\nHost: 127\\.0\\.0\\.1:${port}\r\n`),
    );
    expect(seen[0]).toContain('Connection: close');
  });

  it('something that is not HTTP, or closes without a word, is not healthy', async () => {
    const garbage = createServer((socket: Socket) => socket.end('SSH-2.0-OpenSSH\r\n'));
    const mute = createServer((socket: Socket) => socket.end());
    const [g, m] = [await listen(garbage), await listen(mute)];
    expect(await probeHttp(`http://127.0.0.1:${g}/`, 1_000)).toMatchObject({
      ok: false,
      detail: 'not an HTTP answer',
    });
    expect(await probeHttp(`http://127.0.0.1:${m}/`, 1_000)).toMatchObject({
      ok: false,
      detail: 'closed without an answer',
    });
    garbage.close();
    mute.close();
  });

  it('refused on a port nobody listens on (TCP and HTTP)', async () => {
    const port = await freePort();
    expect(await probeTcp('127.0.0.1', port, 500)).toMatchObject({ reason: 'refused' });
    expect(await probeHttp(`http://127.0.0.1:${port}/`, 500)).toMatchObject({ reason: 'refused' });
  });
});

describe('waitForHealthy against the fake ComfyUI', () => {
  function start(ws: Awaited<ReturnType<typeof createWorkspace>>, env: string, args: string[]) {
    const child = track(
      execa(join(ws.envDir(env), '.venv', 'bin', 'python'), ['main.py', ...args], {
        cwd: join(ws.envDir(env), 'ComfyUI'),
        reject: false,
      }),
    );
    const exited = child.then((r) => r.exitCode ?? null);
    return { child, exited };
  }

  it('a slow-starting ComfyUI becomes healthy after N consecutive /system_stats answers', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { mode: 'slow', startDelayMs: 300 } } });
    const args = ['--listen', '--port', String(await freePort())];
    const { exited } = start(ws, 'env1', args);
    const url = comfyuiUrl(comfyuiAddress(args));
    const seen: boolean[] = [];
    const result = await waitForHealthy({
      probe: () => probeHttp(url, 500),
      exited,
      timeoutMs: 15_000,
      intervalMs: 50,
      successes: 3,
      onProbe: (probe) => seen.push(probe.ok),
    });
    expect(result).toMatchObject({ healthy: true, probes: seen.length });
    // Refused while it starts, then healthy on exactly the third good answer in a row.
    expect(seen[0]).toBe(false);
    expect(seen.slice(-4)).toEqual([false, true, true, true]);
    await ws.waitForEvent({ event: 'listening' });
  });

  it('a crashing ComfyUI ends the wait at once with its exit code', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { mode: 'crash', crashCode: 3 } } });
    const args = ['--port', String(await freePort())];
    const { exited } = start(ws, 'env1', args);
    const result = await waitForHealthy({
      probe: () => probeHttp(comfyuiUrl(comfyuiAddress(args)), 500),
      exited,
      timeoutMs: 30_000,
    });
    // The exit ends it (reason and code), not the 30 s timeout.
    expect(result).toMatchObject({ healthy: false, reason: 'exited', exitCode: 3 });
    expect(await ws.waitForEvent({ event: 'exited' })).toMatchObject({ code: 3 });
  });

  it('a hanging ComfyUI (never listens) times out', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { mode: 'hang' } } });
    const args = ['--port', String(await freePort())];
    const { exited } = start(ws, 'env1', args);
    const result = await waitForHealthy({
      probe: () => probeTcp('127.0.0.1', comfyuiAddress(args).port, 200),
      exited,
      timeoutMs: 600,
      intervalMs: 50,
    });
    expect(result).toMatchObject({ healthy: false, reason: 'timeout' });
    expect(result.afterMs).toBeGreaterThanOrEqual(600);
    expect(result.probes).toBeGreaterThan(1);
  });
});
