import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFakeCgWheel, createWorkspace, freePort, isAlive, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'bin.js');
const cli = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
  execa(process.execPath, [BIN, ...args], { reject: false, all: true, ...options });

async function workspace(extra: Record<string, unknown> = {}) {
  const control = await freePort();
  return createWorkspace({
    config: {
      orchestrator: {
        sync_enabled: false,
        stop_grace_s: 2,
        control_port_range: [control, control + 20],
        ...extra,
      },
    },
    behaviour: { broken: { mode: 'crash', crashCode: 5 } },
    environments: ['env1', 'env2', 'broken'],
  });
}

async function runIn(ws: Awaited<ReturnType<typeof workspace>>, port: number) {
  const child = track(
    cli(['run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)]),
  );
  await ws.waitForEvent({ event: 'listening', env: 'env1' });
  await expect.poll(() => existsSync(join(ws.metadataDir, '.control_port')), { timeout: 15_000 }).toBe(true);
  return { child }; // not the subprocess itself: awaiting a thenable would wait for its exit
}

function oneLine(text: string) {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
}

describe('comfyvisor (real processes)', () => {
  it('run, status --json, restart, switch (complete and rolled back), logs, stop', async () => {
    const ws = await workspace();
    const port = await freePort();
    const { child: run } = await runIn(ws, port);

    const status = await cli(['status', '--json', '--workspace', ws.root]);
    expect(status.exitCode).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({
      supervisor: { running: true },
      current_env: 'env1',
      comfyui: { running: true },
    });

    const first = await ws.waitForEvent({ event: 'listening' });
    expect((await cli(['restart', '--workspace', ws.root])).stdout).toBe('restart requested');
    await ws.waitForEvent({ event: 'listening' }, { after: first.index });

    const ok = await cli(['switch', 'env2', '--workspace', ws.root]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/100% complete/);
    expect(ok.stdout).toMatch(/switched to env2/);

    const bad = await cli(['switch', 'broken', '--workspace', ws.root]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/switch to broken failed/);
    expect(JSON.parse((await cli(['status', '--json', '--workspace', ws.root])).stdout).current_env).toBe(
      'env2',
    );

    const logs = await cli(['logs', '--workspace', ws.root, '-n', '5']);
    expect(logs.stdout).toMatch(/fake ComfyUI/);

    const stop = await cli(['stop', '--workspace', ws.root]);
    expect(stop.stdout).toBe('stopped');
    expect((await run).exitCode).toBe(0);
  });

  it('detect --json from inside an environment', async () => {
    const ws = await workspace();
    const out = await cli(['detect', '--json'], {
      cwd: join(ws.envDir('env2'), 'ComfyUI'),
      env: { COMFYGIT_HOME: '', HOME: ws.root },
    });
    expect(JSON.parse(out.stdout)).toMatchObject({
      workspace: ws.root,
      managed: true,
      environment: 'env2',
      environments: ['broken', 'env1', 'env2'],
    });
  });

  it('user mistakes: one line, non-zero, no stack trace', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'comfyvisor-empty-'));
    const noWs = await cli(['run'], { cwd: empty, env: { HOME: empty, COMFYGIT_HOME: '' } });
    expect(noWs.exitCode).toBe(1);
    expect(noWs.stderr).toMatch(/no ComfyGit workspace found/);
    oneLine(noWs.stderr);

    const ws = await workspace();
    for (const [env, pattern] of [
      ['nope', /environment "nope" does not exist/],
      ['../x', /invalid environment name/],
    ] as const) {
      const r = await cli([
        'run',
        '--workspace',
        ws.root,
        '--environment',
        env,
        '--',
        '--port',
        String(await freePort()),
      ]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(pattern);
      oneLine(r.stderr);
    }

    const port = await freePort();
    const { child: first } = await runIn(ws, port);
    const again = await cli([
      'run',
      '--workspace',
      ws.root,
      '--environment',
      'env1',
      '--',
      '--port',
      String(await freePort()),
    ]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/already running/);
    oneLine(again.stderr);
    first.kill('SIGTERM');
    await first;

    // ComfyUI's port held by someone else: refused before anything starts, naming who holds it
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    const busyPort = await cli([
      'run',
      '--workspace',
      ws.root,
      '--environment',
      'env1',
      '--',
      '--port',
      String(port),
    ]);
    holder.close();
    expect(busyPort.exitCode).toBe(1);
    expect(busyPort.stderr).toMatch(
      new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1 by pid ${process.pid} `),
    );
    oneLine(busyPort.stderr);

    // every port of the control range taken
    const blocker = createServer();
    const blocked = await freePort();
    await new Promise<void>((resolve) => blocker.listen(blocked, '127.0.0.1', resolve));
    const cfg = JSON.parse(readFileSync(join(ws.metadataDir, 'orchestrator_config.json'), 'utf8'));
    cfg.orchestrator.control_port_range = [blocked, blocked];
    writeFileSync(join(ws.metadataDir, 'orchestrator_config.json'), JSON.stringify(cfg));
    const noPort = await cli([
      'run',
      '--workspace',
      ws.root,
      '--environment',
      'env1',
      '--',
      '--port',
      String(await freePort()),
    ]);
    blocker.close();
    expect(noPort.exitCode).toBe(1);
    expect(noPort.stderr).toMatch(/no free control port/);
    oneLine(noPort.stderr);
    expect(existsSync(join(ws.metadataDir, '.orchestrator.pid'))).toBe(false);

    const unknown = await cli(['frobnicate']);
    expect(unknown.exitCode).not.toBe(0);
  });

  it('setup: the tooling venv from a local wheel, with progress; a second run touches nothing', async () => {
    const ws = await workspace();
    const { wheel } = buildFakeCgWheel();
    const first = await cli(['setup', '--workspace', ws.root, '--package', wheel, '--offline']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/\[create\][\s\S]*\[install\][\s\S]*\[finalize\][\s\S]*ready:/);
    expect(existsSync(join(ws.metadataDir, 'comfyvisor', 'venv', 'bin', 'cg'))).toBe(true);
    const second = await cli(['setup', '--workspace', ws.root, '--package', wheel, '--offline']);
    expect(second.stdout).toMatch(/already set up/);
  });

  it('demo starts, status answers it, Ctrl-C stops it and leaves nothing behind', async () => {
    const demo = track(cli(['demo', '--port', String(await freePort())]));
    let out = '';
    demo.all?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const root = await vi.waitFor(
      () => {
        const found = /workspace\s+(\/\S+)/.exec(out)?.[1];
        expect(found, 'the demo workspace line').toBeDefined();
        return found as string;
      },
      { timeout: 15_000 },
    );
    await expect
      .poll(() => out, { timeout: 15_000, message: 'the fake ComfyUI to listen' })
      .toMatch(/listening on/);
    await expect
      .poll(() => existsSync(join(root, '.metadata', '.control_port')), { timeout: 15_000 })
      .toBe(true);
    const status = await cli(['status', '--json', '--workspace', root]);
    expect(JSON.parse(status.stdout)).toMatchObject({ supervisor: { running: true }, current_env: 'env1' });
    const { fakeComfyuiFiles } = await import('@comfyvisor/testkit');
    for (const env of ['env1', 'env2']) {
      const comfyui = readdirSync(join(root, 'environments', env, 'ComfyUI'));
      expect(comfyui.filter((name) => name.endsWith('.py')).sort(), env).toEqual(
        Object.keys(fakeComfyuiFiles).sort(),
      );
    }
    const pid = Number(readFileSync(join(root, '.metadata', '.orchestrator.pid'), 'utf8'));
    demo.kill('SIGINT');
    expect((await demo).exitCode).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(root)).toBe(false);
    expect(out).toMatch(/switch env2 --workspace/);
  });

  it('--help helps', async () => {
    const help = await cli(['switch', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });
});

describe('the published package', () => {
  it('ships the fake ComfyUI for the demo (the test kit files, copied by the build)', async () => {
    const packed = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: join(import.meta.dirname, '..', '..'),
    });
    const files =
      (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ??
      [];
    expect(files).toContain('dist/bundle/bin.js');
    const { fakeComfyuiFiles } = await import('@comfyvisor/testkit');
    const names = Object.keys(fakeComfyuiFiles);
    expect(names).toContain('main.py');
    expect(files.filter((f) => f.startsWith('dist/assets/')).sort()).toEqual(
      names.map((name) => `dist/assets/fake-comfyui/${name}`).sort(),
    );
    for (const [name, source] of Object.entries(fakeComfyuiFiles)) {
      const shipped = join(import.meta.dirname, '..', '..', 'dist', 'assets', 'fake-comfyui', name);
      expect(readFileSync(shipped, 'utf8'), name).toBe(readFileSync(source, 'utf8'));
    }
  });
});
