// Issue 20: only the supervisor's own Unix user (and root) may use its control API; another local
// user gets 403, except for GET /health. Run as root, with a client switched to `nobody`.
import { canCurlAsNobody, curlStatus } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { startSupervised } from './helpers.ts';

describe.skipIf(!canCurlAsNobody)('the control API serves only its owner', () => {
  it('another user gets 403 on /restart, /kill, /switch and /status; /health stays open; nothing is acted on', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect(curlStatus(`${run.controlUrl}/restart`, 'POST', 'nobody')).toBe(403);
    expect(curlStatus(`${run.controlUrl}/kill`, 'POST', 'nobody')).toBe(403);
    expect(curlStatus(`${run.controlUrl}/switch`, 'POST', 'nobody')).toBe(403);
    expect(curlStatus(`${run.controlUrl}/status`, 'GET', 'nobody')).toBe(403);
    expect(curlStatus(`${run.controlUrl}/health`, 'GET', 'nobody')).toBe(200);
    // the owner's restart goes through: the marker that nothing was acted on before it
    expect(curlStatus(`${run.controlUrl}/restart`, 'POST', 'owner')).toBe(200);
    const second = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    const between = (await run.ws.events()).filter((e) => e.index > first.index && e.index < second.index);
    expect(between.filter((e) => e.event === 'sigterm')).toHaveLength(1);
    expect(run.sup.exitCode).toBeNull();
  });
});
