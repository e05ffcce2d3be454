import { appendFileSync, existsSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkspace, freePort, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'bin.js');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false });

/** A `comfyvisor … -f` whose output is collected as it comes. */
function following(args: string[]) {
  const child = track(execa(process.execPath, [BIN, ...args], { reject: false, buffer: false }));
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  return { child, out };
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');

const line = (e: Record<string, unknown>) => `${JSON.stringify(e)}\n`;

describe('logs -f (a real writer rotating under it)', () => {
  it('follows comfyui.log across size rotations and a removal by hand: every line once, in order', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    const log = join(ws.metadataDir, 'comfyui.log');
    writeFileSync(log, numbered(0, 5));
    const { child, out } = following(['logs', '-f', '-n', '3', '--workspace', ws.root]);
    await vi.waitFor(() => expect(out.stdout).toBe(numbered(2, 5)), { timeout: 10_000 });

    const total = 3000;
    const writer = track(
      execa(process.execPath, [join(FIXTURES, 'rotating-writer.mjs'), log, String(total), '4096', '3'], {
        cwd: FIXTURES,
        reject: false,
      }),
    );
    // Halfway through, someone removes the log by hand; the writer makes a new one.
    await vi.waitFor(() => expect(out.stdout).toContain('line 1500\n'), { timeout: 20_000 });
    rmSync(log, { force: true });
    expect((await writer).exitCode).toBe(0);
    await vi.waitFor(() => expect(out.stdout).toContain(`line ${total - 1}\n`), { timeout: 20_000 });
    expect(
      readdirSync(ws.metadataDir)
        .filter((n) => n.startsWith('comfyui.log'))
        .sort(),
    ).toEqual(['comfyui.log', 'comfyui.log.1', 'comfyui.log.2', 'comfyui.log.3']);
    // Lines 0-4 were there before the writer started: the writer's own numbering starts at 0 again.
    expect(out.stdout).toBe(numbered(2, 5) + numbered(0, total));
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
    // Removed by hand: said once on stderr (unless the writer recreated it before the follower
    // looked); the rotations themselves are not worth a word.
    expect(out.stderr.split('\n').filter((l) => l.includes('waiting for it')).length).toBeLessThanOrEqual(1);
    expect(out.stderr).not.toMatch(/truncated|reading comfyui/);
  });

  it('waits for a log that is not there yet', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    const { child, out } = following(['logs', '-f', '--workspace', ws.root]);
    await vi.waitFor(() => expect(out.stderr).toMatch(/comfyui\.log is not there yet; waiting for it/), {
      timeout: 15_000,
    });
    writeFileSync(join(ws.metadataDir, 'comfyui.log'), 'first\n');
    await vi.waitFor(() => expect(out.stdout).toBe('first\n'), { timeout: 15_000 });
    child.kill('SIGTERM');
    await child;
  });
});

describe('events', () => {
  it('prints the history in words or JSON lines, skips a damaged line and says so, filters --since', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    const now = Date.now() / 1000;
    writeFileSync(
      join(ws.metadataDir, 'events.jsonl'),
      line({ time: now - 7200, type: 'supervisor_start', env: 'env1', pid: 10 }) +
        '{"time": 1, "type": "resta\x00garbage\n' +
        line({
          time: now - 60,
          type: 'comfyui_exit',
          env: 'env1',
          pid: 11,
          code: 1,
          signal: null,
          meaning: 'crash',
        }) +
        line({ time: now - 59, type: 'restart', env: 'env1', reason: 'crash' }) +
        '{"time": 2, "type": "cut short',
    );
    const human = await cli(['events', '--workspace', ws.root]);
    expect(human.exitCode).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}supervisor started \(pid 10\) with env1$/);
    expect(lines[1]).toMatch(/ComfyUI exited in env1 \(pid 11, exit code 1\): a crash$/);
    expect(lines[2]).toMatch(/restarting env1: after a crash$/);
    expect(human.stderr).toBe('comfyvisor: skipped 2 damaged lines in the events files');

    const recent = await cli(['events', '--since', '30m', '--json', '--workspace', ws.root]);
    expect(recent.stdout.split('\n').map((l) => JSON.parse(l).type)).toEqual(['comfyui_exit', 'restart']);

    const status = await cli(['status', '--json', '--workspace', ws.root]);
    expect(JSON.parse(status.stdout).events).toMatchObject({
      restarts: 1,
      restarts_by_reason: { crash: 1 },
      crashes: 1,
      last_exit: { env: 'env1', code: 1, meaning: 'crash' },
    });
    const human24 = await cli(['status', '--workspace', ws.root]);
    expect(human24.stdout).toMatch(/last 24 h +1 restart \(crash 1\), 1 crash, 0 hangs/);
    expect(human24.stdout).toMatch(/last exit +\d{4}-\d\d-\d\d [\d:]+ env1: exit code 1, crash/);
  });

  it('a bad --since is one line and exit code 2', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    const bad = await cli(['events', '--since', 'yesterday', '--workspace', ws.root]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('comfyvisor: --since must be a duration like 30m, 1h or 2d, not "yesterday"');
  });

  it('-f follows new events across a rotation of events.jsonl (a real writer)', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    writeFileSync(join(ws.metadataDir, 'events.jsonl'), line({ time: 1, type: 'before', i: -1 }));
    const { child, out } = following(['events', '-f', '--json', '--workspace', ws.root]);
    await vi.waitFor(() => expect(out.stdout).toBe('{"time":1,"type":"before","i":-1}\n'), {
      timeout: 15_000,
    });
    const count = 200;
    const writer = track(
      execa(process.execPath, [join(FIXTURES, 'event-writer.mjs'), ws.metadataDir, String(count), '2048'], {
        cwd: FIXTURES,
        reject: false,
      }),
    );
    expect((await writer).exitCode).toBe(0);
    expect(existsSync(join(ws.metadataDir, 'events.1.jsonl'))).toBe(true);
    await vi.waitFor(() => expect(out.stdout).toContain(`"i":${count - 1}}`), { timeout: 10_000 });
    const seen = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).i);
    expect(seen).toEqual(Array.from({ length: count + 1 }, (_, i) => i - 1));
    child.kill('SIGTERM');
    await child;
  });

  /** `events -f --json` on a workspace with one event, once it has printed it and follows. */
  async function followingEvents() {
    const ws = await createWorkspace({ environments: ['env1'] });
    const events = join(ws.metadataDir, 'events.jsonl');
    writeFileSync(events, line({ time: 1, type: 'before' }));
    const { child, out } = following(['events', '-f', '--json', '--workspace', ws.root]);
    // Printed from the history just before the follower opens the file (same tick): it follows now.
    await vi.waitFor(() => expect(out.stdout).toBe('{"time":1,"type":"before"}\n'), { timeout: 15_000 });
    out.stdout = '';
    return { events, child, out };
  }

  it('-f skips a line nested 5,000 deep as damaged, once, and goes on', async () => {
    const { events, child, out } = await followingEvents();
    const deep = `{"time": 1, "type": "x", "a": ${'['.repeat(5000)}${']'.repeat(5000)}}\n`;
    appendFileSync(events, deep + line({ time: 2, type: 'after' }));
    await vi.waitFor(() => expect(out.stdout).toBe('{"time":2,"type":"after"}\n'), { timeout: 10_000 });
    appendFileSync(events, line({ time: 3, type: 'later' }));
    await vi.waitFor(() => expect(out.stdout).toContain('"later"'), { timeout: 15_000 });
    expect(out.stdout).toBe('{"time":2,"type":"after"}\n{"time":3,"type":"later"}\n');
    expect(out.stderr).toBe('comfyvisor: skipped a damaged line in events.jsonl\n');
    child.kill('SIGTERM');
    await child;
  });

  it('-f drops a 3 MB line without keeping it (one notice) and goes on with the next', async () => {
    const { events, child, out } = await followingEvents();
    // written in pieces, so the follower sees the line grow past the limit before its end comes
    const piece = `{"time": 1, "type": "x", "pad": "${'x'.repeat(1024 * 1024)}`;
    appendFileSync(events, piece);
    appendFileSync(events, 'y'.repeat(1024 * 1024));
    appendFileSync(events, `${'z'.repeat(1024 * 1024)}"}\n${line({ time: 2, type: 'after' })}`);
    await vi.waitFor(() => expect(out.stdout).toBe('{"time":2,"type":"after"}\n'), { timeout: 10_000 });
    expect(out.stderr).toBe('comfyvisor: skipped a damaged line in events.jsonl\n');
    child.kill('SIGTERM');
    await child;
  });

  it('status reads the events history from its end, only as far as it needs: a huge events.jsonl, never the rotated files', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    const now = Date.now() / 1000;
    // Rotated files that would change the counts if they were read: 20,000 restarts "in the window"
    // (a history no supervisor writes: it only tells whether status read them).
    const decoys = Array.from({ length: 20_000 }, () =>
      line({ time: now - 10, type: 'restart', env: 'env1', reason: 'crash' }),
    ).join('');
    for (const n of [3, 2, 1]) writeFileSync(join(ws.metadataDir, `events.${n}.jsonl`), decoys);
    // events.jsonl: 8 GiB of history (a sparse hole: no disk used), then the last exit and a restart.
    const events = join(ws.metadataDir, 'events.jsonl');
    writeFileSync(events, '');
    truncateSync(events, 8 * 1024 ** 3);
    appendFileSync(
      events,
      `\n${line({ time: now - 100_000, type: 'comfyui_exit', env: 'env1', pid: 1, code: 42, signal: null, meaning: 'restart' })}${line({ time: now - 10, type: 'restart', env: 'env1', reason: 'command' })}`,
    );
    // A heap of 32 MB: reading the file whole (or even 64 MiB of it) could not fit.
    const status = await execa(
      process.execPath,
      ['--max-old-space-size=32', BIN, 'status', '--json', '--workspace', ws.root],
      {
        reject: false,
      },
    );
    expect(status.stderr).toBe('');
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout).events).toEqual({
      window_hours: 24,
      restarts: 1,
      restarts_by_reason: { command: 1 },
      crashes: 0,
      hangs: 0,
      last_exit: { time: expect.any(Number), env: 'env1', code: 42, signal: null, meaning: 'restart' },
      skipped: 0,
    });
  });

  it('status reads at most 64 MiB of events history in all, and says the rest was skipped', async () => {
    const ws = await createWorkspace({ environments: ['env1'] });
    const now = Date.now() / 1000;
    // 8 GiB of sparse events.jsonl with a recent restart at its end and no exit anywhere: status
    // would read back to the start looking for the last exit; it stops at its budget instead.
    const events = join(ws.metadataDir, 'events.jsonl');
    writeFileSync(events, '');
    truncateSync(events, 8 * 1024 ** 3);
    appendFileSync(events, `\n${line({ time: now - 10, type: 'restart', env: 'env1', reason: 'command' })}`);
    writeFileSync(
      join(ws.metadataDir, 'events.1.jsonl'),
      line({ time: now - 20, type: 'restart', env: 'env1', reason: 'crash' }),
    );
    const status = await execa(
      process.execPath,
      ['--max-old-space-size=32', BIN, 'status', '--json', '--workspace', ws.root],
      {
        reject: false,
      },
    );
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout).events).toMatchObject({
      restarts: 1,
      restarts_by_reason: { command: 1 },
      last_exit: null,
      skipped: 1,
    });
  });
});

describe('a real supervisor writes events.jsonl', () => {
  it('run → restart → stop: events shows them, status counts the restart', async () => {
    const control = await freePort();
    const ws = await createWorkspace({
      environments: ['env1'],
      config: {
        orchestrator: { sync_enabled: false, stop_grace_s: 2, control_port_range: [control, control + 20] },
      },
    });
    const port = await freePort();
    const run = track(
      execa(
        process.execPath,
        [BIN, 'run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)],
        {
          reject: false,
        },
      ),
    );
    const first = await ws.waitForEvent({ event: 'listening', env: 'env1' });
    await expect
      .poll(() => existsSync(join(ws.metadataDir, '.control_port')), { timeout: 15_000 })
      .toBe(true);
    expect((await cli(['restart', '--workspace', ws.root])).exitCode).toBe(0);
    await ws.waitForEvent({ event: 'listening' }, { after: first.index });
    expect((await cli(['stop', '--workspace', ws.root])).exitCode).toBe(0);
    await run;
    const events = await cli(['events', '--json', '--workspace', ws.root]);
    const types = events.stdout.split('\n').map((l) => JSON.parse(l).type);
    expect(types).toEqual(
      expect.arrayContaining(['supervisor_start', 'comfyui_start', 'restart', 'supervisor_stop']),
    );
    expect(types.at(-1)).toBe('supervisor_stop');
    const status = JSON.parse((await cli(['status', '--json', '--workspace', ws.root])).stdout);
    expect(status.events.restarts_by_reason).toEqual({ command: 1 });
  });
});
