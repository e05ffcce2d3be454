import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shouldSpawnSupervisor } from '@comfyvisor/detection';
import { readCommandLine } from '@comfyvisor/processes';
import { createWorkspace, isAlive, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

describe('pid files naming real processes', () => {
  it('a live unrelated process (reused pid) is neither believed nor signalled', async () => {
    const ws = await createWorkspace();
    const sleeper = track(execa('sleep', ['30'], { reject: false }));
    // Until exec, the child's command line is this test runner's.
    await expect
      .poll(() => readCommandLine(sleeper.pid as number), { message: 'sleep to exec' })
      .toEqual(['sleep', '30']);
    writeFileSync(join(ws.metadataDir, '.orchestrator.pid'), String(sleeper.pid));
    expect(await shouldSpawnSupervisor({ env: {}, workspace: ws.root })).toEqual({
      spawn: true,
      reason: 'stale_pid_removed',
    });
    expect(existsSync(join(ws.metadataDir, '.orchestrator.pid'))).toBe(false);
    expect(isAlive(sleeper.pid as number)).toBe(true);
  });

  it('a live process whose command line is a supervisor is believed', async () => {
    const ws = await createWorkspace();
    const fake = track(
      execa(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'comfyvisor', 'run'], { reject: false }),
    );
    await expect
      .poll(() => readCommandLine(fake.pid as number)?.slice(-2), { message: 'the fake supervisor to exec' })
      .toEqual(['comfyvisor', 'run']);
    writeFileSync(join(ws.metadataDir, '.orchestrator.pid'), String(fake.pid));
    expect(await shouldSpawnSupervisor({ env: {}, workspace: ws.root })).toEqual({
      spawn: false,
      reason: 'running',
      pid: fake.pid,
    });
  });

  it('a dead pid is stale and removed', async () => {
    const ws = await createWorkspace();
    const done = execa('true');
    await done;
    writeFileSync(join(ws.metadataDir, '.orchestrator.pid'), String(done.pid));
    expect(await shouldSpawnSupervisor({ env: {}, workspace: ws.root })).toEqual({
      spawn: true,
      reason: 'stale_pid_removed',
    });
  });

  it('detection from a real fake-ComfyUI cwd via COMFYGIT_HOME', async () => {
    const ws = await createWorkspace({ environments: ['alpha', 'beta'] });
    const { detectEnvironment } = await import('@comfyvisor/detection');
    expect(
      detectEnvironment({ env: { COMFYGIT_HOME: ws.root }, cwd: join(ws.envDir('beta'), 'ComfyUI') }),
    ).toMatchObject({
      managed: true,
      environment: { name: 'beta', python: join(ws.envDir('beta'), '.venv', 'bin', 'python') },
    });
  });
});
