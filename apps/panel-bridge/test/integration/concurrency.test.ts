import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSwitchStatus } from '@comfyvisor/ipc-files';
import { startBridgeServer } from '@comfyvisor/panel-bridge';
import { freePort } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BRIDGE_BIN, bridgeWorkspace, startComfyvisor } from './helpers.ts';

describe('concurrent switch requests', () => {
  it('8 concurrent HTTP requests: exactly one accepted, the others 409; the switch completes', async () => {
    const ws = await bridgeWorkspace();
    await startComfyvisor(ws, await freePort());
    const server = await startBridgeServer({ workspace: ws.root, port: 0 });
    try {
      const started = performance.now();
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${server.url}v2/comfygit/switch_environment`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ target_env: 'env2' }),
          }),
        ),
      );
      const statuses = responses.map((r) => r.status).sort();
      const wall = performance.now() - started;
      console.log(
        `8 concurrent HTTP switch requests: ${statuses.filter((s) => s === 200).length} accepted, ${statuses.filter((s) => s === 409).length} rejected (409), ${wall.toFixed(0)} ms`,
      );
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      await expect
        .poll(async () => (await readSwitchStatus(ws.metadataDir))?.state, { timeout: 20_000 })
        .toBe('complete');
      await ws.waitForEvent({ event: 'listening', env: 'env2' });
    } finally {
      await server.close();
    }
  });

  it('8 concurrent `comfyvisor-bridge switch` processes: exactly one switching, the others busy', async () => {
    // env2 listens only once the test opens its gate, so the switch (and its lock) lasts until
    // every process has answered, however slowly they start.
    const ws = await bridgeWorkspace();
    const gate = join(ws.root, 'env2-may-listen');
    await ws.setBehaviour('env2', { startGateFile: gate });
    await startComfyvisor(ws, await freePort());
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        execa(process.execPath, [BRIDGE_BIN, 'switch', 'env2', '--json', '--workspace', ws.root], {
          reject: false,
        }),
      ),
    );
    const wall = performance.now() - started;
    const answers = results.map((r) => JSON.parse(r.stdout).status as string).sort();
    console.log(
      `8 concurrent bridge processes: ${answers.filter((a) => a === 'switching').length} switching, ${answers.filter((a) => a === 'busy').length} busy, ${wall.toFixed(0)} ms`,
    );
    expect(answers).toEqual(['busy', 'busy', 'busy', 'busy', 'busy', 'busy', 'busy', 'switching']);
    expect(results.filter((r) => r.exitCode === 3)).toHaveLength(7);
    await ws.waitForEvent({ event: 'gated', env: 'env2' }); // the switch is under way, held at the gate
    expect((await readSwitchStatus(ws.metadataDir))?.state).not.toBe('complete');
    await writeFile(gate, '');
    await expect
      .poll(async () => (await readSwitchStatus(ws.metadataDir))?.state, { timeout: 20_000 })
      .toBe('complete');
  });
});
