// The bridge in front of a Python-like supervisor: a real process (fixtures/orchestrator.py, our
// stand-in written from the protocol) with a pid file and a control API whose /health has no
// `supervisor` field, so it cannot be asked to switch with a `switch` command.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES } from '@comfyvisor/ipc-files';
import { type BridgeServer, cliBinPath, startBridgeServer } from '@comfyvisor/panel-bridge';
import { freePort, httpJson, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_BIN, bridgeWorkspace } from './helpers.ts';
import { createPanelClient } from './panel-client.ts';

const STAND_IN = join(import.meta.dirname, 'fixtures', 'orchestrator.py');
const servers: BridgeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function pythonLikeSetup() {
  const ws = await bridgeWorkspace();
  const supervisor = track(
    execa('python3', [STAND_IN, '--workspace', ws.root, '--environment', 'env1'], {
      reject: false,
      all: true,
    }),
  );
  await expect
    .poll(() => existsSync(join(ws.metadataDir, FILE_NAMES.controlPort)), {
      timeout: 15_000,
      message: 'the stand-in to write .control_port',
    })
    .toBe(true);
  const comfyuiPort = await freePort();
  const bridge = await startBridgeServer({ workspace: ws.root, port: 0, comfyuiPort });
  servers.push(bridge);
  const panel = createPanelClient({ bridgeUrl: bridge.url, origin: `http://localhost:${comfyuiPort}` });
  const leftovers = () =>
    (['lock', 'switchRequest', 'command'] as const).filter((name) =>
      existsSync(join(ws.metadataDir, FILE_NAMES[name])),
    );
  return { ws, supervisor, bridge, panel, leftovers };
}

describe('a supervisor that cannot switch by command (the Python one)', () => {
  it('the panel route refuses with 501 and a clear error; no request, command or lock stays behind', async () => {
    const { bridge, panel, leftovers } = await pythonLikeSetup();
    expect(await panel.orchestrator.checkHealth()).not.toHaveProperty('supervisor');
    for (let attempt = 0; attempt < 2; attempt++) {
      // Twice: the first refusal must not leave a lock that makes the second a 409.
      const r = await httpJson(`${bridge.url}api/v2/comfygit/switch_environment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Comfy-User': '' },
        body: JSON.stringify({ target_env: 'env2' }),
      });
      expect(r.status).toBe(501);
      expect(r.body).toMatchObject({
        code: 'switch_not_supported',
        error: expect.stringMatching(/Python\) orchestrator\) cannot switch environments on request/),
      });
      expect(leftovers()).toEqual([]);
    }
    await expect(panel.comfygit.switchEnvironment('env2')).rejects.toThrow(
      /cannot switch environments on request/,
    );
  });

  it('`comfyvisor-bridge switch` says so and exits 1; `comfyvisor switch` too', async () => {
    const { ws, leftovers } = await pythonLikeSetup();
    const asked = await execa(
      process.execPath,
      [BRIDGE_BIN, 'switch', 'env2', '--json', '--workspace', ws.root],
      {
        reject: false,
        env: { COMFYGIT_SUPERVISED: '' },
      },
    );
    expect(asked.exitCode).toBe(1);
    expect(JSON.parse(asked.stdout)).toMatchObject({ status: 'unsupported', pid: expect.any(Number) });
    expect(leftovers()).toEqual([]);
    const cli = await execa(process.execPath, [cliBinPath(), 'switch', 'env2', '--workspace', ws.root], {
      reject: false,
    });
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr.trim()).toMatch(
      /^comfyvisor: switch refused: the running supervisor cannot switch on request/,
    );
  });

  it('its states pass through as written (rolled_back stays rolled_back), and restart/kill are proxied', async () => {
    const { ws, supervisor, panel } = await pythonLikeSetup();
    const written = {
      state: 'rolled_back',
      progress: 100,
      message: 'Health check failed, rolled back to env1',
      updated_at: Date.now() / 1000,
      target_env: 'env2',
      source_env: 'env1',
    };
    writeFileSync(join(ws.metadataDir, FILE_NAMES.switchStatus), JSON.stringify(written, null, 2));
    expect(await panel.orchestrator.getStatus()).toEqual(written);
    expect(await panel.comfygit.getSwitchProgress()).toEqual(written);
    expect(await panel.orchestrator.restart()).toMatchObject({ status: 'restart_requested' });
    await expect
      .poll(() => existsSync(join(ws.metadataDir, FILE_NAMES.command)), { timeout: 15_000 })
      .toBe(false);
    expect(await panel.orchestrator.kill()).toMatchObject({ status: 'shutting_down' });
    const ended = await supervisor;
    expect(ended.exitCode).toBe(0);
    expect(ended.all).toMatch(/command restart[\s\S]*shutdown/);
    expect(readFileSync(join(ws.metadataDir, FILE_NAMES.switchStatus), 'utf8')).toContain('rolled_back');
  });
});
