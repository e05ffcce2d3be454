import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSupervisorProcess, SUPERVISOR_TITLE, shouldSpawnSupervisor } from '@comfyvisor/detection';
import { readCommandLine } from '@comfyvisor/processes';
import { cleanupWorkspaces, createWorkspace, killTracked, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

/** A package at a path with no `comfyvisor` and no `apps/cli/dist` in it, as a global install may be. */
function installAt(name: string): string {
  const root = mkdtempSync(join(tmpdir(), 'global-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'opt', 'tools', 'lib', 'x');
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name }));
  const bin = join(dir, 'dist', 'bundle', 'bin.js');
  writeFileSync(bin, 'setInterval(() => {}, 1000);\n');
  return bin;
}

describe('a supervisor is recognised by what it is, wherever it is installed', () => {
  it("`node <the CLI package's entry> run` at any path is a supervisor; another package's is not", async () => {
    const ws = await createWorkspace();
    const ours = track(execa(process.execPath, [installAt('@comfyvisor/cli'), 'run'], { reject: false }));
    const other = track(execa(process.execPath, [installAt('not-ours'), 'run'], { reject: false }));
    for (const child of [ours, other])
      await expect.poll(() => readCommandLine(child.pid as number)?.at(-1)).toBe('run');
    expect(isSupervisorProcess(ours.pid as number)).toBe(true);
    expect(isSupervisorProcess(other.pid as number)).toBe(false);
    writeFileSync(join(ws.metadataDir, '.orchestrator.pid'), String(ours.pid));
    expect(await shouldSpawnSupervisor({ env: {}, workspace: ws.root })).toEqual({
      spawn: false,
      reason: 'running',
      pid: ours.pid,
    });
  });

  it('a FIFO where its package.json would be neither blocks nor names it', async () => {
    const bin = installAt('x');
    const manifest = join(bin, '..', '..', '..', 'package.json');
    rmSync(manifest);
    execFileSync('mkfifo', [manifest]);
    const child = track(execa(process.execPath, [bin, 'run'], { reject: false }));
    await expect.poll(() => readCommandLine(child.pid as number)?.at(-1)).toBe('run');
    expect(isSupervisorProcess(child.pid as number)).toBe(false);
  });

  it('a process that took the title `comfyvisor supervisor <workspace>` is one', async () => {
    const title = `${SUPERVISOR_TITLE}/srv/ws`;
    const script = `process.title = ${JSON.stringify(title)}; console.log('titled'); setInterval(() => {}, 1000);`;
    const child = track(
      execa(process.execPath, ['-e', script, '--', 'padding'.repeat(8)], { reject: false }),
    );
    await expect
      .poll(() =>
        readCommandLine(child.pid as number)
          ?.join(' ')
          .startsWith(title),
      )
      .toBe(true);
    expect(isSupervisorProcess(child.pid as number)).toBe(true);
  });
});
