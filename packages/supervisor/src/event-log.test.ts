import { appendFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '@comfyvisor/ipc-files';
import { describe, expect, it } from 'vitest';
import { combineRecorders, createEventLog } from './event-log.ts';
import type { Logger } from './logger.ts';
import type { SupervisorEvent } from './supervisor-event.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'comfyvisor-events-'));
}

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => lines.push(`${level}: ${m}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const T0 = 1_800_000_000_000;

describe('createEventLog', () => {
  it('appends each event with the time it was recorded, in order, without waiting', async () => {
    const dir = tempDir();
    let t = T0;
    const log = createEventLog(dir, { now: () => t });
    const returned = log({ type: 'supervisor_start', env: 'env1', pid: 1 });
    expect(returned).toBeUndefined(); // nothing to await: the loop never waits for the disk
    t += 2500;
    log({ type: 'restart', env: 'env1', reason: 'exit_42' });
    t += 500;
    log({ type: 'switch_end', target: 'env2', source: 'env1', outcome: 'rolled_back', durationMs: 900 });
    await log.flush();
    const { events, skipped } = await readEvents(dir);
    expect(skipped).toBe(0);
    expect(events).toEqual([
      { time: 1_800_000_000, type: 'supervisor_start', env: 'env1', pid: 1 },
      { time: 1_800_000_002.5, type: 'restart', env: 'env1', reason: 'exit_42' },
      {
        time: 1_800_000_003,
        type: 'switch_end',
        target: 'env2',
        source: 'env1',
        outcome: 'rolled_back',
        durationMs: 900,
      },
    ]);
  });

  it('rotates at maxBytes and keeps `keep` files', async () => {
    const dir = tempDir();
    const log = createEventLog(dir, { maxBytes: 300, keep: 1 });
    for (let i = 0; i < 40; i++) log({ type: 'hung', env: 'env1', pid: i, failures: 3 });
    await log.flush();
    expect(readFileSync(join(dir, 'events.1.jsonl')).length).toBeLessThanOrEqual(300);
    const { events } = await readEvents(dir);
    expect(events.at(-1)).toMatchObject({ pid: 39 });
  });

  it('logs the first failure once, keeps going, and says when writing works again', async () => {
    const root = tempDir();
    const dir = join(root, 'metadata');
    const logger = capture();
    const log = createEventLog(dir, { logger });
    for (let i = 0; i < 5; i++) log({ type: 'comfyui_start', env: 'env1', pid: i });
    await log.flush();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/^warn: events\.jsonl: .*ENOENT.*; events are being dropped$/);
    mkdirSync(dir);
    log({ type: 'comfyui_start', env: 'env1', pid: 99 });
    await log.flush();
    expect(logger.lines[1]).toBe('info: events.jsonl: writing again (5 events dropped)');
    expect((await readEvents(dir)).events.map((e) => e.pid)).toEqual([99]);
  });

  it('drops events beyond maxPending instead of queueing without end', async () => {
    const dir = tempDir();
    const logger = capture();
    const log = createEventLog(dir, { logger, maxPending: 2 });
    for (let i = 0; i < 5; i++) log({ type: 'comfyui_start', env: 'env1', pid: i });
    await log.flush();
    expect(logger.lines[0]).toBe(
      'warn: events.jsonl: 2 events waiting for the disk; events are being dropped',
    );
    expect((await readEvents(dir)).events.map((e) => e.pid)).toEqual([0, 1]);
  });

  it('appends after a truncated line (a crash mid-write) without losing either side', async () => {
    const dir = tempDir();
    appendFileSync(join(dir, 'events.jsonl'), '{"time": 1.0, "type": "ok"}\n{"time": 2.0, "type": "cut');
    const log = createEventLog(dir);
    log({ type: 'supervisor_start', env: 'env1', pid: 7 });
    await log.flush();
    const { events, skipped } = await readEvents(dir);
    expect(skipped).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['ok', 'supervisor_start']);
  });
});

describe('combineRecorders', () => {
  it('hands each event to every recorder, even after one throws', () => {
    const seen: string[] = [];
    const record = combineRecorders(
      () => {
        throw new Error('broken');
      },
      undefined,
      (e) => seen.push(`a:${e.type}`),
      (e) => seen.push(`b:${e.type}`),
    );
    const event: SupervisorEvent = { type: 'give_up', env: 'env1', crashes: 5, lastExit: 'exit code 1' };
    record(event);
    expect(seen).toEqual(['a:give_up', 'b:give_up']);
  });
});
