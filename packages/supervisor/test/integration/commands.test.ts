// Commands (.cmd) and the control API with real processes (testing/unit/test_orchestrator_control.py and
// test_orchestrator_abort.py at HEAD of the Python suite).

import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { readSwitchStatus, writeCommand } from '@comfyvisor/ipc-files';
import { cleanupWorkspaces, freePort, httpJson, killTracked, track, waitFor } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { lastIndex, startSupervised } from './helpers.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('commands', () => {
  it('.cmd restart: SIGTERM to ComfyUI, then a new start; .cmd shutdown: exit 0, files removed', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening' });
    await writeCommand(run.ws.metadataDir, { command: 'restart' });
    await run.ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    await run.ws.waitForEvent({ event: 'listening' }, { after: first.index });
    await writeCommand(run.ws.metadataDir, { command: 'shutdown' });
    expect((await run.sup).exitCode).toBe(0);
    for (const file of ['.orchestrator.pid', '.control_port', '.cmd'])
      expect(existsSync(join(run.ws.metadataDir, file)), file).toBe(false);
  });

  it('abort_switch: status aborted, ComfyUI stopped, the supervisor exits 0', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening' });
    await writeCommand(run.ws.metadataDir, {
      command: 'abort_switch',
      extra: { reason: 'manual start', pid: 1 },
    });
    expect((await run.sup).exitCode).toBe(0);
    expect((await readSwitchStatus(run.ws.metadataDir))?.state).toBe('aborted');
    await run.ws.waitForEvent({ event: 'exited', pid: first.pid });
  });

  it('an unknown command is logged and dropped; the supervisor keeps running', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(run.ws.metadataDir, '.cmd'), '{"command": "dance", "timestamp": 1}');
    await waitFor(() => !existsSync(join(run.ws.metadataDir, '.cmd')));
    expect((await httpJson(`${run.controlUrl}/health`)).body.status).toBe('alive');
  });
});

describe('control API over a real socket', () => {
  it('GET /health, GET /status, POST /restart, POST /kill', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening' });
    const health = await httpJson(`${run.controlUrl}/health`);
    expect(health.body).toMatchObject({
      status: 'alive',
      current_env: 'env1',
      supervised: true,
      comfyui: { pid: first.pid, running: true },
    });
    expect(typeof health.body.comfyui.uptime_seconds).toBe('number');
    expect((await httpJson(`${run.controlUrl}/status`)).body).toEqual({
      state: 'idle',
      current_env: 'env1',
      message: 'No switch in progress',
    });
    expect((await httpJson(`${run.controlUrl}/restart`, { method: 'POST' })).body.status).toBe(
      'restart_requested',
    );
    await run.ws.waitForEvent({ event: 'listening' }, { after: first.index });
    expect((await httpJson(`${run.controlUrl}/kill`, { method: 'POST' })).body.status).toBe('shutting_down');
    expect((await run.sup).exitCode).toBe(0);
  });

  it('403 for a foreign Origin and for a bad Host; preflight from ComfyUI is allowed', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    expect(
      (await httpJson(`${run.controlUrl}/health`, { headers: { origin: 'http://evil.example' } })).status,
    ).toBe(403);
    expect(await rawGet(`${run.controlUrl}/health`, { host: 'evil.example' })).toBe(403);
    const pre = await fetch(`${run.controlUrl}/restart`, {
      method: 'OPTIONS',
      headers: { origin: `http://127.0.0.1:${run.port}` },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${run.port}`);
  });

  it('a second supervisor on the same workspace refuses to start', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    const second = await track(
      execa(
        process.execPath,
        [
          join(import.meta.dirname, 'fixtures', 'run-supervisor.mjs'),
          run.ws.root,
          'env1',
          '--port',
          String(await freePort()),
        ],
        { reject: false },
      ),
    );
    expect(second.exitCode).not.toBe(0);
    expect(second.stderr).toMatch(/already running/);
    expect((await run.ws.events()).filter((e) => e.event === 'started')).toHaveLength(1);
    expect(await lastIndex(run.ws)).toBeGreaterThan(0);
  });
});
