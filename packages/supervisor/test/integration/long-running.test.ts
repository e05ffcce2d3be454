// Issue 8: what does not exit (a hung ComfyUI) and what an earlier run left behind (an orphaned
// ComfyUI on the port), with a real supervisor on the test kit's fake ComfyUI.
import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEvents } from '@comfyvisor/ipc-files';
import { fakeComfyuiPath, httpJson, isAlive, type TestWorkspace, track } from '@comfyvisor/testkit';
import { describe, expect, it, vi } from 'vitest';
import { eventsOf, startSupervised } from './helpers.ts';

const LIVENESS = {
  liveness_interval_s: 1,
  liveness_failures: 2,
  liveness_timeout_s: 0.3,
  log_level: 'debug',
};

describe('a hung ComfyUI', () => {
  it('goes silent after a healthy start: stopped (TERM), started again, said in the log and the status', async () => {
    const run = await startSupervised({ orchestrator: LIVENESS });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    // Once a liveness probe has been answered, the fake stops answering HTTP but stays alive with its socket open.
    await vi.waitFor(
      () => expect(run.stderr()).toContain(`ComfyUI pid ${first.pid} answers; watching for hangs`),
      {
        timeout: 10_000,
      },
    );
    await httpJson(`http://127.0.0.1:${run.port}/hang`, { method: 'POST' }).catch(() => null);
    await run.ws.waitForEvent({ event: 'hung', pid: first.pid });
    const second = await run.ws.waitForEvent(
      { event: 'listening', env: 'env1' },
      { after: first.index, timeoutMs: 15_000 },
    );
    expect(second.pid).not.toBe(first.pid);
    expect(isAlive(first.pid)).toBe(false);
    expect(run.stderr()).toMatch(
      new RegExp(`pid ${first.pid}\\) has not answered .* it is hung; restarting it`),
    );
    expect(await run.status()).toMatchObject({ state: 'recovering', error: expect.stringMatching(/^hung/) });
  });

  it('busy generating but answering is never restarted', async () => {
    const run = await startSupervised({
      orchestrator: LIVENESS,
      behaviour: { env1: { mode: 'busy', busyBlockMs: 1_500 } },
    });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    // Several liveness intervals go by while the main thread is blocked generating.
    await vi.waitFor(async () => expect((await run.stats()).body.jobs_done).toBeGreaterThanOrEqual(3), {
      timeout: 15_000,
      interval: 200,
    });
    expect(await eventsOf(run.ws, 'started')).toHaveLength(1);
    expect(await eventsOf(run.ws, 'sigterm')).toHaveLength(0);
    expect(run.stderr()).not.toMatch(/hung/);
    expect((await httpJson(`${run.controlUrl}/health`)).body.comfyui.pid).toBe(first.pid);
  });
});

describe('a ComfyUI that prints without end', () => {
  it('keeps at most log_max_mb × (log_keep + 1) of comfyui.log on disk', async () => {
    const run = await startSupervised({
      orchestrator: { log_max_mb: 1, log_keep: 2 },
      prepare: async (ws) => {
        // A ComfyUI that prints 40 MB, then serves as the fake does.
        const main = join(ws.envDir('env1'), 'ComfyUI', 'main.py');
        const fake = await readFile(main, 'utf8');
        await writeFile(
          main,
          `import sys\nline = "x" * 1023 + "\\n"\nfor _ in range(40 * 1024):\n    sys.stdout.write(line)\nsys.stdout.flush()\nprint("printed 40 MB", flush=True)\n${fake}`,
        );
      },
    });
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { timeoutMs: 60_000 });
    const log = join(run.ws.metadataDir, 'comfyui.log');
    await vi.waitFor(async () => expect(await readFile(log, 'utf8')).toContain('printed 40 MB'), {
      timeout: 30_000,
    });
    const files = (await readdir(run.ws.metadataDir)).filter((name) => name.startsWith('comfyui.log'));
    expect(files.sort()).toEqual(['comfyui.log', 'comfyui.log.1', 'comfyui.log.2']);
    let total = 0;
    for (const name of files) total += (await stat(join(run.ws.metadataDir, name))).size;
    expect(total).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(total).toBeGreaterThan(2 * 1024 * 1024);
  });
});

describe('the port held at start', () => {
  it('by a ComfyUI of this workspace left by a supervisor that died: stopped, named, replaced', async () => {
    const run = await startSupervised({
      prepare: async (ws, port) => {
        // A supervisor pid that is certainly gone: a process that has already exited.
        const gone = spawnSync('true').pid;
        const orphan = track(
          spawn(
            join(ws.envDir('env1'), '.venv', 'bin', 'python'),
            [fakeComfyuiPath, '--port', String(port)],
            {
              cwd: join(ws.envDir('env1'), 'ComfyUI'),
              detached: true,
              stdio: 'ignore',
              env: {
                ...process.env,
                COMFYGIT_SUPERVISED: '1',
                __COMFY_CLI_SESSION__: join(ws.metadataDir, `.comfyvisor-session-${gone}`),
              },
            },
          ),
        );
        await ws.waitForEvent({ event: 'listening', pid: orphan.pid });
      },
    });
    const orphan = (await eventsOf(run.ws, 'listening'))[0];
    const ours = await run.ws.waitForEvent((e) => e.event === 'listening' && e.pid !== orphan?.pid);
    expect(orphan && isAlive(orphan.pid)).toBe(false);
    expect(run.stderr()).toMatch(
      new RegExp(`pid ${orphan?.pid}, a ComfyUI an earlier supervisor left behind; stopping it`),
    );
    expect((await run.stats()).body.pid).toBe(ours.pid);
  });

  it('by anything else: refused in one line naming its pid and command line', async () => {
    const blocker = track(
      spawn(
        'python3',
        [
          '-c',
          'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
        ],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ),
    );
    const port = await new Promise<number>((resolve) =>
      blocker.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
    );
    // Refused before the supervisor says it is ready: no control port, no ComfyUI started.
    let ws: TestWorkspace | undefined;
    const failure = await startSupervised({
      comfyuiPort: port,
      prepare: async (w) => {
        ws = w;
      },
    }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/exited early \(code 2\)/);
    const lines = (failure ?? '').split('\n').filter((line) => line.includes(`port ${port}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `port ${port} is already in use on 127\\.0\\.0\\.1 by pid ${blocker.pid} \\(\\S*python3 -c import socket,sys,time s=socket`,
      ),
    );
    expect(ws && (await eventsOf(ws, 'started'))).toHaveLength(0);
  });
});

describe('the stacks of a hung ComfyUI (issue 17)', () => {
  it("are written to comfyui.log before it is killed, in faulthandler's format, and no core file is left even with cores allowed", async () => {
    const run = await startSupervised({
      orchestrator: LIVENESS,
      // the supervisor (and so ComfyUI) may write cores of any size: the dump must still leave none
      prefix: () => ['/bin/sh', '-c', 'ulimit -c unlimited && exec "$@"', 'sh'],
    });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await vi.waitFor(
      () => expect(run.stderr()).toContain(`ComfyUI pid ${first.pid} answers; watching for hangs`),
      {
        timeout: 10_000,
      },
    );
    await httpJson(`http://127.0.0.1:${run.port}/hang`, { method: 'POST' }).catch(() => null);
    await run.ws.waitForEvent({ event: 'listening', env: 'env1' }, { after: first.index, timeoutMs: 20_000 });
    const log = await readFile(join(run.ws.metadataDir, 'comfyui.log'), 'utf8');
    expect(log).toMatch(/Fatal Python error: Aborted/);
    expect(log).toMatch(
      /Thread 0x[0-9a-f]+ \(most recent call first\):|Current thread 0x[0-9a-f]+ \(most recent call first\):/,
    );
    const hung = (await readEvents(run.ws.metadataDir)).events.find((e) => e.type === 'hung');
    expect(hung).toMatchObject({ pid: first.pid, stack_dump: true });
    const comfyuiDir = join(run.ws.envDir('env1'), 'ComfyUI');
    expect((await readdir(comfyuiDir)).filter((f) => /^core/.test(f))).toEqual([]);
  });

  it('a ComfyUI that hangs in its first two seconds is caught (liveness sees its first answer at once)', async () => {
    const run = await startSupervised({
      orchestrator: { ...LIVENESS, liveness_interval_s: 5 },
      behaviour: { env1: { mode: 'hung', hangAfterMs: 1_000 } },
    });
    const first = await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
    await run.ws.waitForEvent({ event: 'hung', pid: first.pid });
    const second = await run.ws.waitForEvent(
      { event: 'listening', env: 'env1' },
      { after: first.index, timeoutMs: 30_000 },
    );
    expect(second.pid).not.toBe(first.pid);
  });
});
