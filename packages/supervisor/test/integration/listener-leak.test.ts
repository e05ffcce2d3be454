// Defect 7 of issue 16: every switch left one abort listener on a signal that lives as long as the
// supervisor (waitForHealthy never removed it); after ten, Node printed MaxListenersExceededWarning.
import { cleanupWorkspaces, httpJson, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSupervised } from './helpers.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

const SWITCHES = 25;

describe('a long-lived supervisor', () => {
  it(`${SWITCHES} switches under one supervisor leak no abort listener (no MaxListenersExceededWarning)`, async () => {
    const run = await startSupervised({
      orchestrator: { health_check_interval_ms: 20, health_check_successes: 2 },
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    for (let i = 1; i <= SWITCHES; i++) {
      const target = i % 2 === 1 ? 'env2' : 'env1';
      const accepted = await run.postSwitch(target);
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      // the status of this very switch: complete, towards this target, in this round
      await vi.waitFor(
        async () => {
          const health = (await httpJson(`${run.controlUrl}/health`)).body;
          const status = await run.status();
          expect(
            { state: status?.state, target: status?.targetEnv, current: health.current_env },
            `switch ${i} to ${target} to complete`,
          ).toEqual({ state: 'complete', target, current: target });
        },
        { timeout: 30_000, interval: 20 },
      );
    }
    // The fake ComfyUI serves from the last target, through the same supervisor.
    expect((await run.stats()).body.environment).toBe(SWITCHES % 2 === 1 ? 'env2' : 'env1');
    expect(run.sup.exitCode).toBeNull();
    expect(run.stderr()).not.toMatch(/MaxListenersExceededWarning|memory leak/i);
  });
});
