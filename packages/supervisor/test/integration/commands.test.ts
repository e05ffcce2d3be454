// Commands (.cmd) and the control API with real processes, and the one-supervisor-per-workspace rule.
// Python counterparts: testing/integration/test_restart_flow.py at 57c5958 of comfygit-manager has
// none for these (`py:` on each test says so); the Python suite covers them later, as unit tests
// (test_orchestrator_control.py, test_orchestrator_abort.py).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { readControlPort, readPidFile, writeCommand, writeSwitchRequest } from '@comfyvisor/ipc-files';
import { createWorkspace, freePort, httpJson, isAlive } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { eventsOf, exitOf, lastIndex, spawnSupervisor, startSupervised } from './helpers.ts';

/** A request with exactly these headers (fetch will not send a foreign Host). */
function rawRequest(
  url: string,
  options: { method?: string; headers: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('.cmd commands', () => {
  // py: none
  it('restart: ComfyUI gets SIGTERM, then a new one starts', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const next = await run.ws.waitForEvent({ event: 'started', env: 'env1' }, { after: first.index });
    expect(next.pid).not.toBe(first.pid);
    await run.ws.waitForEvent({ event: 'listening', pid: next.pid });
    expect(isAlive(first.pid)).toBe(false);
    expect(existsSync(join(run.ws.metadataDir, '.cmd'))).toBe(false);
    expect(run.sup.exitCode).toBeNull();
  });

  // py: none
  it('shutdown: ComfyUI stopped, the supervisor exits 0, pid and port files removed', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect(await readPidFile(run.ws.metadataDir)).toBe(run.pid);
    await writeCommand(run.ws.metadataDir, { command: 'shutdown' });
    expect((await exitOf(run)).exitCode).toBe(0);
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(isAlive(first.pid)).toBe(false);
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
    expect(await readControlPort(run.ws.metadataDir)).toBeNull();
    for (const file of ['.orchestrator.pid', '.control_port', '.cmd'])
      expect(existsSync(join(run.ws.metadataDir, file)), file).toBe(false);
    expect(await eventsOf(run.ws, 'started')).toHaveLength(1);
  });

  // py: none
  it('abort_switch: status aborted, ComfyUI stopped, the supervisor exits 0', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeCommand(run.ws.metadataDir, {
      command: 'abort_switch',
      extra: { reason: 'manual start detected', pid: 1 },
    });
    expect((await exitOf(run)).exitCode).toBe(0);
    expect(await run.status()).toMatchObject({ state: 'aborted', progress: 100 });
    expect(isAlive(first.pid)).toBe(false);
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
  });

  // py: none
  it('abort_switch in the middle of a switch: the new ComfyUI stopped, aborted, request and lock gone', async () => {
    const run = await startSupervised({ behaviour: { env2: { mode: 'hang' } } });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const after = await lastIndex(run.ws);
    await writeFile(join(run.ws.metadataDir, '.switch.lock'), '');
    await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
    await run.exitComfyui(43);
    const hung = await run.ws.waitForEvent({ event: 'started', env: 'env2' }, { after });
    await run.waitState('validating');
    await writeCommand(run.ws.metadataDir, { command: 'abort_switch', extra: { reason: 'manual start' } });
    expect((await exitOf(run)).exitCode).toBe(0);
    expect(await run.status()).toMatchObject({ state: 'aborted', targetEnv: 'env2', sourceEnv: 'env1' });
    expect(isAlive(hung.pid)).toBe(false);
    expect(existsSync(join(run.ws.metadataDir, '.switch.lock'))).toBe(false);
    expect(existsSync(join(run.ws.metadataDir, '.switch_request.json'))).toBe(false);
  });

  // py: none
  it('an unknown command is logged and dropped; the supervisor and ComfyUI keep running', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeFile(join(run.ws.metadataDir, '.cmd'), '{"command": "dance", "timestamp": 1}');
    await expect
      .poll(() => existsSync(join(run.ws.metadataDir, '.cmd')), {
        timeout: 15_000,
        message: '.cmd to be taken',
      })
      .toBe(false);
    await expect
      .poll(() => run.stderr(), { timeout: 15_000, message: 'the warning' })
      .toMatch(/unknown command/);
    expect(run.stderr()).toMatch(/dance/);
    // Still serving, nothing restarted.
    expect((await httpJson(`${run.controlUrl}/health`)).body).toMatchObject({
      status: 'alive',
      comfyui: { pid: first.pid, running: true },
    });
    expect(await lastIndex(run.ws)).toBe(first.index);
    expect(run.sup.exitCode).toBeNull();
  });
});

describe('control API', () => {
  // py: none
  it('GET /health has the wire shape', async () => {
    const run = await startSupervised();
    const comfy = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const { status, body } = await httpJson(`${run.controlUrl}/health`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([
      'comfyui',
      'current_env',
      'draining',
      'pid',
      'status',
      'supervised',
      'supervisor',
    ]);
    expect(body.supervisor).toMatchObject({
      name: 'comfyvisor',
      capabilities: expect.arrayContaining(['switch_command']),
    });
    // ours beside the Python supervisor's keys (issue 17): the queue at the last look, and no drain
    expect(Object.keys(body.comfyui).sort()).toEqual(['pid', 'queue', 'running', 'uptime_seconds']);
    expect(body.draining).toBeNull();
    expect(body).toMatchObject({
      status: 'alive',
      pid: run.pid,
      current_env: 'env1',
      supervised: true,
      comfyui: { pid: comfy.pid, running: true },
    });
    expect(Number.isInteger(body.comfyui.uptime_seconds)).toBe(true);
  });

  // py: none
  it('GET /status when no switch is under way: the idle shape', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect((await httpJson(`${run.controlUrl}/status`)).body).toEqual({
      state: 'idle',
      current_env: 'env1',
      message: 'No switch in progress',
    });
  });

  // py: none
  it('POST /restart: restart_requested, SIGTERM, a new ComfyUI', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const { status, body } = await httpJson(`${run.controlUrl}/restart`, { method: 'POST' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'restart_requested' });
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const next = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    expect(next.pid).not.toBe(first.pid);
    expect((await httpJson(`${run.controlUrl}/health`)).body.comfyui.pid).toBe(next.pid);
  });

  // py: none
  it('POST /kill: shutting_down, ComfyUI stopped, the supervisor exits 0', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const { status, body } = await httpJson(`${run.controlUrl}/kill`, { method: 'POST' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'shutting_down' });
    expect((await exitOf(run)).exitCode).toBe(0);
    expect(isAlive(first.pid)).toBe(false);
    expect(await readPidFile(run.ws.metadataDir)).toBeNull();
  });

  // py: none
  it('403 for a foreign Origin, even on POST /kill (which then does nothing)', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const evil = { origin: 'http://evil.example' };
    const health = await httpJson(`${run.controlUrl}/health`, { headers: evil });
    expect(health.status).toBe(403);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
    // Another port on 127.0.0.1 is another origin.
    const otherPort = { origin: `http://127.0.0.1:${run.port + 1}` };
    expect((await httpJson(`${run.controlUrl}/health`, { headers: otherPort })).status).toBe(403);
    expect((await httpJson(`${run.controlUrl}/kill`, { method: 'POST', headers: evil })).status).toBe(403);
    expect((await httpJson(`${run.controlUrl}/health`)).body.comfyui.pid).toBe(first.pid);
    expect(run.sup.exitCode).toBeNull();
  });

  // py: none
  it('403 for a bad Host (DNS rebinding); a loopback Host is fine', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const bad = await rawRequest(`${run.controlUrl}/health`, { headers: { host: 'evil.example' } });
    expect(bad.status).toBe(403);
    const badWithPort = await rawRequest(`${run.controlUrl}/health`, {
      headers: { host: `evil.example:${new URL(run.controlUrl).port}` },
    });
    expect(badWithPort.status).toBe(403);
    const good = await rawRequest(`${run.controlUrl}/health`, {
      headers: { host: `localhost:${new URL(run.controlUrl).port}` },
    });
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body).status).toBe('alive');
  });

  // py: none
  it('CORS preflight from ComfyUI origins is allowed, from others refused', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    for (const origin of [`http://127.0.0.1:${run.port}`, `http://localhost:${run.port}`]) {
      const pre = await fetch(`${run.controlUrl}/restart`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(pre.status, origin).toBe(200);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/);
    }
    const evil = await fetch(`${run.controlUrl}/restart`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.status).toBe(403);
    // The browser's real request from ComfyUI's page is answered with the CORS header.
    const real = await httpJson(`${run.controlUrl}/status`, {
      headers: { origin: `http://127.0.0.1:${run.port}` },
    });
    expect(real.status).toBe(200);
    expect(real.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${run.port}`);
  });
});

describe('one supervisor per workspace', () => {
  // py: none
  it('a second supervisor on the same workspace exits non-zero with "already running"', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const controlPort = await readControlPort(run.ws.metadataDir);
    const second = await spawnSupervisor(run.ws, 'env1', ['--port', String(await freePort())]);
    expect(second.exitCode).not.toBe(0);
    expect(second.stderr).toMatch(/already running/);
    expect(second.stderr).toContain(String(run.pid));
    // The first one's files and ComfyUI are untouched.
    expect(await readPidFile(run.ws.metadataDir)).toBe(run.pid);
    expect(await readControlPort(run.ws.metadataDir)).toBe(controlPort);
    expect(await eventsOf(run.ws, 'started')).toHaveLength(1);
    expect((await httpJson(`${run.controlUrl}/health`)).body.pid).toBe(run.pid);
  });

  // py: none
  it('two supervisors started at once: exactly one wins', async () => {
    const controlPort = await freePort();
    const ws = await createWorkspace({
      config: { orchestrator: { sync_enabled: false, control_port_range: [controlPort, controlPort + 20] } },
    });
    const port = String(await freePort());
    const a = spawnSupervisor(ws, 'env1', ['--port', port]);
    const b = spawnSupervisor(ws, 'env1', ['--port', port]);
    await expect
      .poll(() => a.exitCode !== null || b.exitCode !== null, {
        timeout: 15_000,
        message: 'one of them to give up',
      })
      .toBe(true);
    const [loserProcess, winner] = a.exitCode !== null ? [a, b] : [b, a];
    const loser = await loserProcess;
    expect(loser.exitCode).not.toBe(0);
    expect(loser.stderr).toMatch(/already running/);
    await ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect(await readPidFile(ws.metadataDir)).toBe(winner.pid);
    expect(winner.exitCode).toBeNull();
    expect((await ws.events()).filter((e) => e.event === 'started')).toHaveLength(1);
  });
});
