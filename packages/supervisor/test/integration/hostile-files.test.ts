// Issue 12: nothing a file, a request or a person puts in `.metadata/` may stop ComfyUI or the
// supervisor, wedge it or make it lie; the bad thing is logged once, in one bounded line, and set
// aside. A real supervisor on the test kit's fake ComfyUI for each case.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, readPidFile, writeSwitchRequest } from '@comfyvisor/ipc-files';
import { httpJson } from '@comfyvisor/testkit';
import { describe, expect, it, vi } from 'vitest';
import { exitOf, type Running, startSupervised } from './helpers.ts';

const CMD = FILE_NAMES.command;
const REQUEST = FILE_NAMES.switchRequest;

/** The supervisor's own lines, and the longest of them. */
function ownLines(run: Running): string[] {
  return run
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('[comfyvisor]'));
}

async function stillServing(run: Running, comfyPid: number): Promise<void> {
  expect(run.sup.exitCode).toBeNull();
  const health = await httpJson(`${run.controlUrl}/health`);
  expect(health.body).toMatchObject({ status: 'alive', comfyui: { pid: comfyPid, running: true } });
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('hostile .cmd files', () => {
  it('10 KB of nested brackets: logged in one bounded line, dropped; ComfyUI untouched; a real restart still works', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeFile(join(run.ws.metadataDir, CMD), `${'['.repeat(5_000)}${']'.repeat(5_000)}`);
    await vi.waitFor(() => expect(existsSync(join(run.ws.metadataDir, CMD))).toBe(false));
    await vi.waitFor(() => expect(ownLines(run).some((l) => l.includes(CMD))).toBe(true));
    await stillServing(run, first.pid);
    expect(Math.max(...ownLines(run).map((l) => l.length))).toBeLessThan(400);
    await writeFile(join(run.ws.metadataDir, CMD), '{"command": "restart", "timestamp": 1}');
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
  });

  it('a 10 MB .cmd is not read into a 10 MB log line', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeFile(join(run.ws.metadataDir, CMD), `{"command": "${'x'.repeat(10 * 1024 * 1024)}"}`);
    await vi.waitFor(() => expect(ownLines(run).some((l) => l.includes(CMD))).toBe(true), { timeout: 5_000 });
    await stillServing(run, first.pid);
    expect(Math.max(...ownLines(run).map((l) => l.length))).toBeLessThan(400);
  });

  it('FIFOs at .cmd never block: /status answers, a restart after them works, SIGTERM stops everything', async () => {
    const run = await startSupervised();
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    for (let i = 0; i < 3; i++) {
      mkfifo(join(run.ws.metadataDir, CMD));
      await vi.waitFor(() => expect(existsSync(join(run.ws.metadataDir, CMD))).toBe(false), {
        timeout: 5_000,
      });
    }
    expect((await httpJson(`${run.controlUrl}/status`)).status).toBe(200);
    await stillServing(run, first.pid);
    await writeFile(join(run.ws.metadataDir, CMD), '{"command": "restart", "timestamp": 1}');
    const again = await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
    run.sup.kill('SIGTERM');
    expect((await exitOf(run)).exitCode).toBe(0);
    await run.ws.waitForEvent({ event: 'exited', pid: again.pid });
  });
});

describe('something else in place of a protocol file', () => {
  it('a directory or a FIFO at .switch_request.json with exit 43: refused (rolled_back), env1 started again', async () => {
    for (const make of ['dir', 'fifo'] as const) {
      const run = await startSupervised();
      const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
      const path = join(run.ws.metadataDir, REQUEST);
      if (make === 'dir') await mkdir(path);
      else mkfifo(path);
      await run.exitComfyui(43);
      await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index });
      const status = await run.waitState('rolled_back');
      expect(status.error, make).toMatch(/unreadable|regular file/);
      expect(run.sup.exitCode, make).toBeNull();
      expect(existsSync(path) && !lstatSync(path).isFile(), make).toBe(false); // set aside
      run.sup.kill('SIGTERM');
      expect((await exitOf(run)).exitCode, make).toBe(0);
    }
  });

  it('directories at the status file and the lock: a switch still runs to complete', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await mkdir(join(run.ws.metadataDir, FILE_NAMES.switchStatus));
    await mkdir(join(run.ws.metadataDir, FILE_NAMES.lock));
    const accepted = await run.postSwitch('env2');
    expect(accepted.status).toBe(200);
    await run.waitState('complete');
    expect((await run.stats()).body.environment).toBe('env2');
    const asides = readdirSync(run.ws.metadataDir).filter((name) => name.includes('.rejected-'));
    expect(asides.length).toBeGreaterThanOrEqual(2);
  });

  it('a directory at the pid file: the supervisor starts, and stops cleanly', async () => {
    const run = await startSupervised({
      prepare: (ws) => mkdir(join(ws.metadataDir, FILE_NAMES.pid)).then(() => {}),
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    expect(await readPidFile(run.ws.metadataDir)).toBe(run.pid);
    run.sup.kill('SIGTERM');
    expect((await exitOf(run)).exitCode).toBe(0);
    expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.pid))).toBe(false);
  });

  it('a config nested 10 KB deep: the defaults, one warning, ComfyUI starts', async () => {
    const run = await startSupervised({ rawConfig: `${'['.repeat(5_000)}${']'.repeat(5_000)}` });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const warnings = ownLines(run).filter((l) => l.includes(FILE_NAMES.config));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...warnings.map((l) => l.length))).toBeLessThan(400);
  });

  it('a pid file overwritten while running is noticed and written again', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await writeFile(join(run.ws.metadataDir, FILE_NAMES.pid), 'garbage');
    await vi.waitFor(async () => expect(await readPidFile(run.ws.metadataDir)).toBe(run.pid), {
      timeout: 5_000,
    });
    expect(run.stderr()).toMatch(/\.orchestrator\.pid was .*writing ours again/);
  });
});

describe('storms', () => {
  it('200 POST /restart in a burst are merged: a handful of restarts, not 200', async () => {
    // Each restart takes 2 s (ComfyUI ignores SIGTERM until the grace ends): on a loaded machine the
    // 200 answers may trickle in over a second or more, and what is merged is what arrives while a
    // restart is under way, so a quick fake would make the count depend on the machine's load.
    const run = await startSupervised({
      orchestrator: { log_level: 'debug', stop_grace_s: 2 },
      behaviour: { env1: { ignoreSigterm: true } },
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => httpJson(`${run.controlUrl}/restart`, { method: 'POST' })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // Every one of the 200 is accounted for in the log: acted on, or merged into a restart under way.
    const count = (line: string) =>
      run
        .stderr()
        .split('\n')
        .filter((l) => l.endsWith(line)).length;
    await expect
      .poll(
        () => count('restart requested; stopping ComfyUI') + count('restart merged with the one just done'),
        {
          timeout: 20_000,
        },
      )
      .toBe(200);
    const restarts = count('restart requested; stopping ComfyUI');
    expect(restarts).toBeGreaterThanOrEqual(1);
    expect(restarts).toBeLessThan(10);
    // and each of them spawned ComfyUI again (one may be stopped before its Python says a word);
    // the last one serves
    const spawns = () =>
      run
        .stderr()
        .split('\n')
        .filter((l) => l.includes('started ComfyUI (env1) pid'));
    await expect.poll(() => spawns().length, { timeout: 20_000 }).toBe(restarts + 1);
    const lastPid = Number(/pid (\d+)/.exec(spawns().at(-1) ?? '')?.[1]);
    await run.ws.waitForEvent({ event: 'listening', pid: lastPid });
  });
});

describe('a .metadata that turns read-only during a switch', () => {
  const unshare = existsSync('/usr/bin/unshare') && process.getuid?.() === 0;
  it.runIf(unshare)(
    'ComfyUI keeps running, the supervisor says so once and stays; it stops cleanly later',
    async () => {
      // The supervisor runs in its own mount namespace, so the test can make .metadata read-only
      // under it alone (root ignores file modes).
      const run = await startSupervised({
        behaviour: { env2: { startDelayMs: 800 } },
        prefix: () => ['unshare', '--mount', '--propagation', 'private'],
      });
      await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
      await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
      await run.exitComfyui(43);
      await run.ws.waitForEvent({ event: 'started', env: 'env2' });
      // A read-only bind of .metadata on itself, in the supervisor's namespace only; umount ends it.
      const inNamespace = (...command: string[]) =>
        execFileSync('nsenter', ['--target', String(run.pid), '--mount', ...command]);
      inNamespace('mount', '--bind', '-o', 'ro', run.ws.metadataDir, run.ws.metadataDir);
      const env2 = await run.ws.waitForEvent({ event: 'listening', env: 'env2' });
      await vi.waitFor(() => expect(run.stderr()).toMatch(/switch to env2|healthy/), { timeout: 10_000 });
      await vi.waitFor(() => expect(run.stderr()).toMatch(/could not write the switch status/), {
        timeout: 10_000,
      });
      await stillServing(run, env2.pid);
      expect(ownLines(run).filter((l) => l.includes('could not write the switch status'))).toHaveLength(1);
      inNamespace('umount', run.ws.metadataDir);
      run.sup.kill('SIGTERM');
      expect((await exitOf(run)).exitCode).toBe(0);
      expect(existsSync(join(run.ws.metadataDir, FILE_NAMES.pid))).toBe(false);
    },
  );
});
