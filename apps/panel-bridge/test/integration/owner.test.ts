// Issue 20: a loopback bridge serves only its own Unix user (and root), so its restart, kill and
// switch routes are no way around the control API's owner check. Run as root, a client as `nobody`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canCurlAsNobody, curlStatus } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { serveBridge } from './bridge-process.ts';
import { bridgeWorkspace } from './helpers.ts';

describe.skipIf(!canCurlAsNobody)('a loopback bridge serves only its owner', () => {
  it('another user gets 403 on the switch, restart and kill routes and the page; nothing is asked of the workspace', async () => {
    const ws = await bridgeWorkspace();
    const bridge = await serveBridge(['--workspace', ws.root]);
    const base = `http://127.0.0.1:${bridge.port}`;
    const switchBody = JSON.stringify({ target_env: 'env2' });
    expect(curlStatus(`${base}/v2/comfygit/switch_environment`, 'POST', 'nobody', switchBody)).toBe(403);
    expect(curlStatus(`${base}/api/v2/comfygit/orchestrator/restart`, 'POST', 'nobody')).toBe(403);
    expect(curlStatus(`${base}/v2/comfygit/orchestrator/kill`, 'POST', 'nobody')).toBe(403);
    expect(curlStatus(`${base}/`, 'GET', 'nobody')).toBe(403);
    // refused before anything was done: no switch request, no lock, no supervisor spawned
    for (const file of ['.switch_request.json', '.switch.lock', '.orchestrator.pid'])
      expect(existsSync(join(ws.metadataDir, file)), file).toBe(false);
    // the owner is served
    expect(curlStatus(`${base}/v2/comfygit/switch_status`, 'GET', 'owner')).toBe(200);
    expect(curlStatus(`${base}/`, 'GET', 'owner')).toBe(200);
    await bridge.stop();
  });
});
