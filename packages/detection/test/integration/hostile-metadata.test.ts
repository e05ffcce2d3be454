// Special files in .metadata must not block or crash detection (issue 12).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readActiveEnvironment, shouldSpawnSupervisor } from '@comfyvisor/detection';
import { createWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';

describe('detection over hostile .metadata entries', () => {
  it('a FIFO, a directory or a symlink at workspace.json: null, never blocked', async () => {
    const ws = await createWorkspace();
    const file = join(ws.metadataDir, 'workspace.json');
    execFileSync('rm', ['-f', file]);
    execFileSync('mkfifo', [file]);
    expect(readActiveEnvironment(ws.root)).toBeNull();
    execFileSync('rm', ['-f', file]);
    mkdirSync(file);
    expect(readActiveEnvironment(ws.root)).toBeNull();
    execFileSync('rmdir', [file]);
    const elsewhere = join(ws.root, 'elsewhere.json');
    writeFileSync(elsewhere, '{"active_environment": "env1"}');
    symlinkSync(elsewhere, file);
    expect(readActiveEnvironment(ws.root)).toBeNull();
  });

  it('a directory or FIFO at the pid file: spawn, and the entry is moved out of the way', async () => {
    const ws = await createWorkspace();
    const pidFile = join(ws.metadataDir, '.orchestrator.pid');
    mkdirSync(pidFile);
    expect(await shouldSpawnSupervisor({ env: {}, workspace: ws.root })).toEqual({
      spawn: true,
      reason: 'no_pid_file',
    });
    expect(existsSync(pidFile)).toBe(false);
    expect(readdirSync(ws.metadataDir).some((n) => n.startsWith('.orchestrator.pid.rejected-'))).toBe(true);
    execFileSync('mkfifo', [pidFile]);
    expect(await shouldSpawnSupervisor({ env: {}, workspace: ws.root })).toEqual({
      spawn: true,
      reason: 'no_pid_file',
    });
    expect(existsSync(pidFile)).toBe(false);
  });
});
