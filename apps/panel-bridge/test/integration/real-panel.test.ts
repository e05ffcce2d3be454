// The ComfyGit panel's client (written from its endpoint contract, see panel-client.ts) against our
// bridge and a real `comfyvisor run` supervisor on the fake ComfyUI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BridgeServer, startBridgeServer } from '@comfyvisor/panel-bridge';
import { type FakeBehaviour, freePort, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeWorkspace, startComfyvisor } from './helpers.ts';
import { createPanelClient } from './panel-client.ts';

const servers: BridgeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A workspace with the supervisor running env1 on ComfyUI's port, our bridge, and the panel's client. */
async function panelSetup(behaviour?: Record<string, FakeBehaviour>) {
  const ws = await bridgeWorkspace(behaviour);
  const port = await freePort();
  const { child } = await startComfyvisor(ws, port);
  const bridge = await startBridgeServer({ workspace: ws.root, port: 0, comfyuiPort: port });
  servers.push(bridge);
  const panel = createPanelClient({
    bridgeUrl: bridge.url,
    origin: `http://127.0.0.1:${port}`,
    user: 'alice',
  });
  return { ws, port, child, bridge, panel };
}

describe('the ComfyGit panel against comfyvisor', () => {
  it('lists the environments and switches env1 → env2 to complete', async () => {
    const { ws, panel } = await panelSetup({ env2: { mode: 'slow', startDelayMs: 1_500 } });
    expect(await panel.orchestrator.checkHealth()).toMatchObject({ status: 'alive', current_env: 'env1' });
    const listed = await panel.comfygit.getEnvironments();
    expect(listed).toMatchObject({ current: 'env1', is_managed: true });
    expect(listed.environments.map((e) => [e.name, e.is_current])).toEqual([
      ['env1', true],
      ['env2', false],
    ]);

    const followed = await panel.switchAndFollow('env2', 45_000);
    expect(followed.ended, JSON.stringify(followed)).toBe('complete');
    expect(followed.toast).toBe('✓ Switched to env2');
    expect(followed.last).toMatchObject({ state: 'complete', target_env: 'env2', progress: 100 });
    // It saw the steps on the way, not just the end.
    expect(followed.shown.some((line) => /^(starting|validating):/.test(line))).toBe(true);
    await ws.waitForEvent({ event: 'listening', env: 'env2' });
    expect(await panel.orchestrator.checkHealth()).toMatchObject({ current_env: 'env2' });
    expect((await panel.comfygit.getEnvironments()).current).toBe('env2');
    // The lock is gone at once; the final status stays readable until the next switch.
    expect(existsSync(join(ws.metadataDir, '.switch.lock'))).toBe(false);
    expect(await panel.comfygit.getSwitchProgress()).toMatchObject({ state: 'complete', target_env: 'env2' });
  });

  // Needs the supervisor's new ending (`rolled_back` instead of `failed` → idle): before it, the
  // panel polls forever and this times out with ended: null.
  it('a target that crashes ends in rolled_back, naming what failed, with env1 serving again', async () => {
    const { ws, port, panel } = await panelSetup({ env2: { mode: 'crash', crashCode: 3 } });
    const before = await ws.waitForEvent({ event: 'listening', env: 'env1' });
    const followed = await panel.switchAndFollow('env2', 45_000);
    expect(followed.ended, JSON.stringify(followed)).toBe('rolled_back');
    expect(followed.toast).toBe('Switch failed, restored previous environment');
    expect(followed.last).toMatchObject({ state: 'rolled_back', target_env: 'env2', source_env: 'env1' });
    expect(String(followed.last?.error)).toMatch(/env2/);
    expect(String(followed.last?.message)).toMatch(/env1/);
    await ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: before.index });
    const stats = await fetch(`http://127.0.0.1:${port}/system_stats`).then((r) => r.json());
    expect(stats).toMatchObject({ environment: 'env1' });
    expect(await panel.orchestrator.checkHealth()).toMatchObject({ current_env: 'env1' });
    expect(existsSync(join(ws.metadataDir, '.switch.lock'))).toBe(false);
    expect(await panel.comfygit.getSwitchProgress()).toMatchObject({ state: 'rolled_back' });
  });

  it('restart and kill through the bridge proxy answer 200, and the supervisor acts', async () => {
    const { ws, child, panel } = await panelSetup();
    const first = await ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect(await panel.orchestrator.restart()).toMatchObject({ status: 'restart_requested' });
    await ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    const again = await ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    expect(again.pid).not.toBe(first.pid);

    expect(await panel.orchestrator.kill()).toMatchObject({ status: 'shutting_down' });
    const ended = await child;
    expect(ended.exitCode, ended.all).toBe(0);
    await expect.poll(() => panel.orchestrator.checkHealth(), { timeout: 10_000 }).toBeNull();
    await expect(panel.orchestrator.restart()).rejects.toThrow(/orchestrator_un(available|reachable)/);
  });

  it("a real browser on ComfyUI's page reaches the /api routes across origins (CORS preflight with Comfy-User)", async () => {
    const ws = await bridgeWorkspace();
    const port = await freePort();
    const comfyui = join(ws.envDir('env1'), 'ComfyUI');
    track(
      execa(join(ws.envDir('env1'), '.venv', 'bin', 'python'), ['main.py', '--port', String(port)], {
        cwd: comfyui,
        reject: false,
      }),
    );
    await ws.waitForEvent({ event: 'listening', env: 'env1' });
    const bridge = await startBridgeServer({ workspace: ws.root, port: 0, comfyuiPort: port });
    servers.push(bridge);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      const answers = await page.evaluate(async (base) => {
        const headers = { 'Comfy-User': 'alice' };
        const status = await fetch(`${base}api/v2/comfygit/switch_status`, { headers });
        const refused = await fetch(`${base}api/v2/comfygit/switch_environment`, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify({ target_env: 'ghost' }),
        });
        return [
          { status: status.status, body: await status.json() },
          { status: refused.status, body: await refused.json() },
        ];
      }, bridge.url);
      expect(answers).toEqual([
        { status: 200, body: { state: 'idle', message: 'No switch in progress' } },
        { status: 404, body: { error: "Environment 'ghost' not found" } },
      ]);
    } finally {
      await browser.close();
    }
  });
});
