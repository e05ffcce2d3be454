// Counterparts of testing/integration/test_restart_flow.py (Python suite at 57c5958), with real processes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupWorkspaces, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { lastIndex, startSupervised } from './helpers.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

describe('restart flow', () => {
  it('test_orchestrator_handles_restart / syncs_on_each_restart / preserves_environment_across_restarts: exit 42 three times', async () => {
    const syncLog = join(
      await import('node:os').then((os) => os.tmpdir()),
      `comfyvisor-sync-${process.pid}-${Date.now()}.log`,
    );
    const run = await startSupervised({
      orchestrator: { sync_enabled: true, sync_command: ['sh', '-c', `echo {env} >> ${syncLog}`] },
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    for (let i = 0; i < 3; i++) {
      const after = await lastIndex(run.ws);
      await run.exitComfyui(42);
      await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after });
    }
    const started = (await run.ws.events()).filter((e) => e.event === 'started');
    expect(started.map((e) => e.env)).toEqual(['env1', 'env1', 'env1', 'env1']);
    expect(readFileSync(syncLog, 'utf8').trim().split('\n')).toEqual(['env1', 'env1', 'env1', 'env1']);
  });

  it('test_supervised_flag_prevents_nested_orchestrators: the child sees COMFYGIT_SUPERVISED=1; --cpu without a CUDA torch', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    const { body } = await run.stats();
    expect(body.supervised).toBe('1');
    expect(body.argv).toContain('--cpu');
    expect(body.environment).toBe('env1');
  });

  it('no --cpu when the environment has a CUDA torch', async () => {
    const run = await startSupervised({ torchVersion: '2.5.1+cu121' });
    await run.ws.waitForEvent({ event: 'listening' });
    expect((await run.stats()).body.argv).not.toContain('--cpu');
  });

  it("ComfyUI-Manager's Restart (reboot marker + exit 0) restarts; a plain exit 0 stops the supervisor with 0", async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    const after = await lastIndex(run.ws);
    await fetch(`http://127.0.0.1:${run.port}/manager/reboot`, { method: 'POST' });
    await run.ws.waitForEvent({ event: 'listening' }, { after });
    await run.exitComfyui(0);
    const result = await run.sup;
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(run.ws.metadataDir, '.orchestrator.pid'))).toBe(false);
    expect(existsSync(join(run.ws.metadataDir, '.control_port'))).toBe(false);
    expect(readFileSync(join(run.ws.metadataDir, 'comfyui.log'), 'utf8')).toContain(
      'fake ComfyUI (env1) listening',
    );
  });
});
