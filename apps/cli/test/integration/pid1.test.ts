import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findPortListeners, processTree } from '@comfyvisor/processes';
import { freePort, isAlive, type TestWorkspace, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import { BIN, opsWorkspace } from './helpers.ts';

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
/** Found on this PATH: the tests give the namespace a PATH of their own. */
const UNSHARE =
  spawnSync('sh', ['-c', 'command -v unshare'], { encoding: 'utf8' }).stdout.trim() || 'unshare';
const hasTini = spawnSync('tini', ['--version']).status === 0;

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** `comfyvisor run` as PID 1 of a new pid namespace; returns host pids of what runs inside. */
async function runAsPid1(ws: TestWorkspace, env: Record<string, string>) {
  const port = await freePort();
  const unshare = track(
    execa(
      UNSHARE,
      [
        '--pid',
        '--fork',
        '--mount-proc',
        '--kill-child',
        process.execPath,
        BIN,
        'run',
        '--workspace',
        ws.root,
        '--environment',
        'env1',
        '--args',
        '--port',
        String(port),
      ],
      { reject: false, all: true, detached: true, extendEnv: false, env: { HOME: tmpdir(), ...env } },
    ),
  );
  await ws.waitForEvent({ event: 'child_started' });
  const init = await vi.waitFor(() => {
    const children = readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim();
    expect(children, "unshare's child").not.toBe('');
    return Number(children.split(' ')[0]);
  });
  // node itself: the forwarder (under tini) or the supervisor, which renames itself.
  expect(commandLine(init).join(' ')).toMatch(/bin\.js run|^comfyvisor supervisor /);
  const [comfyui] = await findPortListeners(port);
  if (!comfyui) throw new Error('no ComfyUI on its port');
  const tree = await vi.waitFor(async () => {
    const pids = await processTree(init);
    expect(pids, "the init's tree").toContain(comfyui.pid);
    return pids;
  });
  return { unshare, init, comfyui: comfyui.pid, tree };
}

describe.skipIf(!canUnshare)('comfyvisor run as PID 1 (unshare --pid --fork --mount-proc)', () => {
  it.skipIf(!hasTini)(
    're-executes under tini; SIGTERM to PID 1 stops ComfyUI gracefully and leaves nothing',
    async () => {
      const ws = await opsWorkspace({ env1: { spawnChild: true } });
      const { unshare, init, comfyui, tree } = await runAsPid1(ws, {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
      });
      const names = tree.map((pid) => commandLine(pid)[0] ?? '');
      expect(names.some((name) => name.endsWith('/tini'))).toBe(true);
      // PID 1 -> tini -> the supervisor -> ComfyUI -> its child: five generations.
      expect(tree.length).toBeGreaterThanOrEqual(5);
      const grandchild = (await processTree(comfyui)).filter((pid) => pid !== comfyui);
      expect(grandchild).toHaveLength(1);

      process.kill(init, 'SIGTERM');
      const result = await unshare;
      expect(result.exitCode).toBe(0);
      expect(result.all).not.toMatch(/running as PID 1/);
      await ws.waitForEvent({ event: 'sigterm' });
      expect((await ws.events()).find((e) => e.event === 'exited')).toMatchObject({ code: 0 });
      for (const pid of tree) expect(isAlive(pid), `pid ${pid} (${commandLine(pid).join(' ')})`).toBe(false);
    },
  );

  it('without tini: warns in one line, runs as PID 1 itself, and SIGTERM still stops everything', async () => {
    const ws = await opsWorkspace({ env1: { spawnChild: true } });
    // A PATH that holds node and nothing else: no tini to find.
    const bin = mkdtempSync(join(tmpdir(), 'comfyvisor-path-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const { unshare, init, comfyui, tree } = await runAsPid1(ws, { PATH: bin });
    expect(tree.map((pid) => commandLine(pid)[0] ?? '').some((name) => name.endsWith('/tini'))).toBe(false);
    expect(await processTree(init)).toContain(comfyui);
    expect(dirname(commandLine(comfyui)[0] ?? '')).toBe(join(ws.envDir('env1'), '.venv', 'bin'));

    process.kill(init, 'SIGTERM');
    const result = await unshare;
    expect(result.exitCode).toBe(0);
    const warnings = (result.all ?? '').split('\n').filter((line) => line.includes('PID 1'));
    expect(warnings).toEqual([
      'comfyvisor: running as PID 1 without an init (tini is not installed): orphaned processes will not be reaped (install tini, or run the container with --init)',
    ]);
    await ws.waitForEvent({ event: 'sigterm' });
    expect((await ws.events()).find((e) => e.event === 'exited')).toMatchObject({ code: 0 });
    for (const pid of tree) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  });
});
