// What a tool or a person can leave in a protocol file's content: nothing of it may throw, hang,
// or reach a log unbounded (issue 12). Special files (directories, FIFOs, symlinks) are in
// test/integration/hostile-entries.test.ts.
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import { describeValue, jsonTooDeep, parseJsonText } from './bounded-text.ts';
import { takeCommand } from './command.ts';
import { loadConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { inspectControlPort, readPidFile } from './pid-file.ts';
import { readStartupState } from './startup-state.ts';
import { acquireSwitchLock } from './switch-lock.ts';
import { inspectSwitchRequest, readSwitchRequest } from './switch-request.ts';
import { readSwitchStatus, writeSwitchStatus } from './switch-status.ts';

function spyLogger() {
  const fn = () => vi.fn<(message: string) => void>();
  return { debug: fn(), info: fn(), warn: fn(), error: fn() } satisfies Logger;
}
function logged(logger: ReturnType<typeof spyLogger>): string[] {
  return [...logger.warn.mock.calls, ...logger.info.mock.calls, ...logger.error.mock.calls].map((c) => c[0]);
}
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('bounded text', () => {
  it('measures nesting without recursion, ignoring brackets inside strings', () => {
    expect(jsonTooDeep(nested(64))).toBe(false);
    expect(jsonTooDeep(nested(65))).toBe(true);
    expect(jsonTooDeep(nested(1_000_000))).toBe(true);
    expect(jsonTooDeep(`["${'['.repeat(1000)}", "\\"[[["]`)).toBe(false);
    expect(parseJsonText(nested(5000))).toMatchObject({ ok: false, reason: expect.stringMatching(/deeper/) });
  });

  it('describes any value in at most 200 characters and never throws', () => {
    const deep = JSON.parse(nested(5000)) as unknown;
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const values = [
      deep,
      cyclic,
      'x'.repeat(10_000_000),
      { ['k'.repeat(1000)]: 'v' },
      Array(1e5).fill(7),
      5n,
    ];
    for (const value of values) {
      const text = describeValue(value);
      expect(text.length).toBeLessThanOrEqual(200);
      expect(text).not.toContain('\n');
    }
    expect(describeValue({ command: 'dance' })).toBe('{"command": "dance"}');
  });
});

describe('nesting, size and types in protocol files', () => {
  it('a 10 KB [[[...]]] in every JSON file is refused with one bounded warning, no RangeError', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    for (const name of ['.switch_request.json', '.switch_status.json', '.startup_state.json', '.cmd'])
      writeFileSync(join(dir, name), nested(5000));
    writeFileSync(join(dir, 'orchestrator_config.json'), deepObject(5000));
    expect(await readSwitchRequest(dir, { logger })).toBeNull();
    expect(await readSwitchStatus(dir, { logger })).toBeNull();
    expect(await readStartupState(dir, { logger })).toBeNull();
    expect(await takeCommand(dir, { logger })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/deeper/),
    });
    const config = await loadConfig(dir, { logger });
    expect(config.orchestrator.controlPort).toBe(5050);
    expect(logger.warn).toHaveBeenCalledTimes(5);
    for (const line of logged(logger)) expect(line.length).toBeLessThanOrEqual(300);
  });

  it('a value nested deep but under the limit round-trips through the status without throwing', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.switch_status.json'), `{"state": "syncing", "extra_thing": ${nested(60)}}`);
    const status = await readSwitchStatus(dir);
    expect(status?.state).toBe('syncing');
    await writeSwitchStatus(dir, { state: 'syncing', message: '', extra: status?.extra });
  });

  it('an oversize file is refused unread: "too large (N bytes)", and never logs its content', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    const big = `{"target_env": "${'e'.repeat(2 * 1024 * 1024)}"}`;
    writeFileSync(join(dir, '.switch_request.json'), big);
    expect(await inspectSwitchRequest(dir, { logger })).toEqual({
      kind: 'invalid',
      reason: `too large (${big.length} bytes)`,
      id: expect.any(String),
    });
    writeFileSync(join(dir, '.cmd'), `{"command": "${'x'.repeat(10 * 1024 * 1024)}"}`);
    expect(await takeCommand(dir, { logger })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/too large/),
    });
    expect(existsSync(join(dir, '.cmd'))).toBe(false);
    writeFileSync(join(dir, '.orchestrator.pid'), `${'1'.repeat(100)}`);
    expect(await readPidFile(dir, { logger })).toBeNull();
    for (const line of logged(logger)) expect(line.length).toBeLessThanOrEqual(300);
  });

  it('a wrong-typed huge string in the status reaches the log bounded', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    writeFileSync(join(dir, '.switch_status.json'), JSON.stringify({ state: 's'.repeat(500_000) }));
    expect(await readSwitchStatus(dir, { logger })).toBeNull();
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(logger.warn.mock.calls[0]?.[0].length).toBeLessThanOrEqual(300);
  });

  it('the same bad file polled again is logged once (then debug), a changed one again', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    writeFileSync(join(dir, '.switch_status.json'), '{bad');
    for (let i = 0; i < 5; i++) await readSwitchStatus(dir, { logger });
    expect(logger.warn).toHaveBeenCalledOnce();
    writeFileSync(join(dir, '.switch_status.json'), '{worse!');
    await readSwitchStatus(dir, { logger });
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('a garbage .control_port is told apart from a missing one', async () => {
    const dir = tempMetadataDir();
    expect(await inspectControlPort(dir)).toEqual({ kind: 'missing' });
    for (const text of ['abc', '0', '70000', '-5', '5050x']) {
      writeFileSync(join(dir, '.control_port'), text);
      expect(await inspectControlPort(dir), text).toMatchObject({ kind: 'invalid' });
    }
    writeFileSync(join(dir, '.control_port'), '5051\n');
    expect(await inspectControlPort(dir)).toEqual({ kind: 'ok', value: 5051 });
  });

  it('an oversize lock is no lock: set aside and taken', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.switch.lock'), 'x'.repeat(1000));
    expect(await acquireSwitchLock(dir)).toEqual({ ok: true, tookOverStale: true });
  });
});

describe('switch request: only target_env matters (issue 12 #6)', () => {
  it('timestamp missing or of any type; source_env null, absent or unusable reads as null', async () => {
    const dir = tempMetadataDir();
    const cases: Array<[Record<string, unknown>, string | null]> = [
      [{ target_env: 'env2' }, null],
      [{ target_env: 'env2', timestamp: 'yesterday', source_env: 'env1' }, 'env1'],
      [{ target_env: 'env2', timestamp: { a: 1 }, source_env: 5 }, null],
      [{ target_env: 'env2', timestamp: null, source_env: '' }, null],
      [{ target_env: 'env2', timestamp: [1], source_env: ['env1'] }, null],
      [{ target_env: 'env2', timestamp: true, source_env: null }, null],
    ];
    for (const [wire, source] of cases) {
      writeFileSync(join(dir, '.switch_request.json'), JSON.stringify(wire));
      expect(await readSwitchRequest(dir), JSON.stringify(wire)).toEqual({
        targetEnv: 'env2',
        sourceEnv: source,
        timestamp: 0,
      });
    }
  });
});

describe('takeCommand outcomes (issue 12 #4)', () => {
  const NOW = 1_800_000_000_000;
  const now = () => NOW;
  const write = (dir: string, text: string, ageMs: number) => {
    writeFileSync(join(dir, '.cmd'), text);
    utimesSync(join(dir, '.cmd'), (NOW - ageMs) / 1000, (NOW - ageMs) / 1000);
  };

  it('incomplete JSON younger than 100 ms is pending and left in place; older is invalid and removed', async () => {
    const dir = tempMetadataDir();
    write(dir, '{"command": "rest', 20);
    expect(await takeCommand(dir, { now })).toEqual({ kind: 'pending' });
    expect(existsSync(join(dir, '.cmd'))).toBe(true);
    write(dir, '', 20);
    expect(await takeCommand(dir, { now })).toEqual({ kind: 'pending' });
    write(dir, '{"command": "rest', 500);
    expect(await takeCommand(dir, { now })).toMatchObject({ kind: 'invalid' });
    expect(existsSync(join(dir, '.cmd'))).toBe(false);
    // garbage that is not merely incomplete is invalid at once
    write(dir, '{oops}', 1);
    expect(await takeCommand(dir, { now })).toMatchObject({ kind: 'invalid' });
    write(dir, '{"command": "restart"}', 1);
    expect(await takeCommand(dir, { now })).toMatchObject({
      kind: 'command',
      command: { command: 'restart' },
    });
  });

  it('a bad entry that cannot be removed is `none`, not `invalid` (a caller re-polls on invalid)', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    mkdirSync(join(dir, '.cmd'));
    // Its set-aside name is taken by a non-empty directory: the rename fails (ENOTEMPTY).
    mkdirSync(join(dir, `.cmd.rejected-${NOW}`, 'x'), { recursive: true });
    for (let i = 0; i < 3; i++) expect(await takeCommand(dir, { logger, now })).toEqual({ kind: 'none' });
    expect(existsSync(join(dir, '.cmd'))).toBe(true);
    expect(logger.warn.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('an unknown command is reported only as a bounded string', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    write(dir, JSON.stringify({ command: 'x'.repeat(60_000) }), 1000);
    const taken = await takeCommand(dir, { logger, now });
    expect(taken.kind).toBe('unknown');
    expect(taken.kind === 'unknown' && typeof taken.raw === 'string' && taken.raw.length <= 200).toBe(true);
    write(dir, JSON.stringify([[[[['deep']]]]]), 1000);
    expect(await takeCommand(dir, { logger, now })).toMatchObject({
      kind: 'unknown',
      raw: expect.any(String),
    });
    for (const line of logged(logger)) expect(line.length).toBeLessThanOrEqual(300);
  });
});
