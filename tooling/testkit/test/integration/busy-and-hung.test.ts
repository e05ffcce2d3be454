import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, freePort, httpJson, isAlive } from '../../src/index.ts';
import { startFake, tcpConnects } from './start-fake.ts';

/** GET /system_stats bounded by `timeoutMs`: the body, or 'timeout'. */
async function stats(port: number, timeoutMs: number): Promise<any> {
  try {
    return (
      await httpJson(`http://127.0.0.1:${port}/system_stats`, { signal: AbortSignal.timeout(timeoutMs) })
    ).body;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return 'timeout';
    throw error;
  }
}

describe('fake ComfyUI, busy and hung', () => {
  it('busy: answers /system_stats at once while its main thread is blocked in a long "generation"', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { mode: 'busy', busyBlockMs: 60_000 } } });
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port)]);
    const busy = await ws.waitForEvent({ event: 'busy' });
    expect(busy).toMatchObject({ block_ms: 60_000 });
    for (let i = 0; i < 10; i++) {
      const body = await stats(port, 1_000);
      expect(body).toMatchObject({ busy: true, jobs_done: 0 });
    }
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('busy: generations finish one after another (the work really runs)', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { mode: 'busy', busyBlockMs: 50 } } });
    const port = await freePort();
    startFake(ws, 'env1', ['--port', String(port)]);
    await ws.waitForEvent({ event: 'busy' });
    await expect
      .poll(async () => (await stats(port, 1_000)).jobs_done, { timeout: 10_000 })
      .toBeGreaterThan(2);
  });

  it('hung: serves for hang_after_ms, then the socket accepts but HTTP never answers; SIGTERM still ends it', async () => {
    const ws = await createWorkspace({ behaviour: { env1: { mode: 'hung', hangAfterMs: 0 } } });
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port)]);
    const hung = await ws.waitForEvent({ event: 'hung' });
    expect(hung.reason).toBe('hang_after_ms');
    expect(await tcpConnects(port)).toBe(true);
    expect(await stats(port, 500)).toBe('timeout');
    expect(isAlive(child.pid as number)).toBe(true);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('POST /hang makes a healthy fake hang later', async () => {
    const ws = await createWorkspace();
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port)]);
    await ws.waitForEvent({ event: 'listening' });
    expect(await stats(port, 2_000)).toMatchObject({ environment: 'env1', busy: false });
    const answer = await httpJson(`http://127.0.0.1:${port}/hang`, { method: 'POST' });
    expect(answer.body).toEqual({ hanging: true });
    expect((await ws.waitForEvent({ event: 'hung' })).reason).toBe('request');
    expect(await stats(port, 500)).toBe('timeout');
    expect(await tcpConnects(port)).toBe(true);
    expect(isAlive(child.pid as number)).toBe(true);
  });

  it('hang_file: the fake goes silent when the file appears', async () => {
    const ws = await createWorkspace();
    const hangFile = join(ws.root, 'hang-now');
    await ws.setBehaviour('env1', { hangFile });
    const port = await freePort();
    startFake(ws, 'env1', ['--port', String(port)]);
    await ws.waitForEvent({ event: 'listening' });
    expect(await stats(port, 2_000)).toMatchObject({ environment: 'env1' });
    writeFileSync(hangFile, '');
    expect((await ws.waitForEvent({ event: 'hung' })).reason).toBe('hang_file');
    expect(await stats(port, 500)).toBe('timeout');
  });
});
