// Issue 17 from the panel's side: its Restart button sends no force, so a restart through our bridge
// waits for ComfyUI's running prompt, which ends on the old process before it gets SIGTERM.
import { readControlPort, readEvents } from '@comfyvisor/ipc-files';
import { type BridgeServer, startBridgeServer } from '@comfyvisor/panel-bridge';
import { executedCounts, freePort, postPrompt, readFakeRecord } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeWorkspace, startComfyvisor } from './helpers.ts';
import { createPanelClient } from './panel-client.ts';

const servers: BridgeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('the ComfyGit panel and a running prompt', () => {
  it("the panel's restart during a prompt ends with the prompt finished, then ComfyUI restarted", async () => {
    const ws = await bridgeWorkspace();
    const port = await freePort();
    await startComfyvisor(ws, port);
    const bridge = await startBridgeServer({ workspace: ws.root, port: 0, comfyuiPort: port });
    servers.push(bridge);
    const panel = createPanelClient({
      bridgeUrl: bridge.url,
      origin: `http://127.0.0.1:${port}`,
      user: 'alice',
    });
    const first = await ws.waitForEvent({ event: 'listening', env: 'env1' });

    const queued = await postPrompt(port, { durationS: 5, label: 'render' });
    expect(queued.ok).toBe(true);
    await ws.waitForEvent({ event: 'prompt_started', label: 'render' });
    // the supervisor has seen the prompt running (its look at the queue, in /metrics)
    const control = `http://127.0.0.1:${await readControlPort(ws.metadataDir)}`;
    await expect
      .poll(() => fetch(`${control}/metrics`).then((r) => r.text()), { timeout: 10_000 })
      .toContain('comfyvisor_queue_running 1\n');

    expect(await panel.orchestrator.restart()).toMatchObject({ status: 'restart_requested' });
    const executed = await ws.waitForEvent({ event: 'prompt_executed', label: 'render' });
    expect(executed.pid).toBe(first.pid);
    const sigterm = await ws.waitForEvent({ event: 'sigterm', pid: first.pid });
    expect(sigterm.index).toBeGreaterThan(executed.index);
    const again = await ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: sigterm.index });
    expect(again.pid).not.toBe(first.pid);
    expect(executedCounts(await readFakeRecord(ws.eventsFile))).toEqual({ render: 1 });
    const drainEnd = (await readEvents(ws.metadataDir)).events.find((e) => e.type === 'drain_end');
    expect(drainEnd).toMatchObject({ action: 'restart', outcome: 'finished' });
  });
});
