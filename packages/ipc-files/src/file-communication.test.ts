// Counterparts of the Python suite's testing/unit/test_file_communication.py, case by case.
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import { takeCommand, writeCommand } from './command.ts';
import type { Logger } from './logger.ts';
import { readControlPort, readPidFile, removePidFile, writeControlPort, writePidFile } from './pid-file.ts';
import { readStartupState, writeStartupState } from './startup-state.ts';
import { acquireSwitchLock, isSwitchLocked, releaseSwitchLock } from './switch-lock.ts';
import { inspectSwitchRequest, readSwitchRequest, writeSwitchRequest } from './switch-request.ts';
import { readSwitchStatus, removeSwitchStatus, writeSwitchStatus } from './switch-status.ts';

const NOW = 1_732_492_800_123;
const now = () => NOW;
function spyLogger() {
  const fn = () => vi.fn<(message: string) => void>();
  return { debug: fn(), info: fn(), warn: fn(), error: fn() } satisfies Logger;
}

describe('switch request (test_file_communication)', () => {
  it('test_write_switch_request: writes the wire JSON with float-second timestamp', async () => {
    const dir = tempMetadataDir();
    await writeSwitchRequest(dir, { targetEnv: 'env2', sourceEnv: 'env1' }, { now });
    expect(readFileSync(join(dir, '.switch_request.json'), 'utf8')).toBe(
      '{\n  "target_env": "env2",\n  "source_env": "env1",\n  "timestamp": 1732492800.123\n}',
    );
  });

  it('test_read_switch_request: reads what the panel wrote', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      join(dir, '.switch_request.json'),
      '{"target_env": "env2", "source_env": null, "timestamp": 1700000000.5}',
    );
    expect(await readSwitchRequest(dir)).toEqual({
      targetEnv: 'env2',
      sourceEnv: null,
      timestamp: 1_700_000_000_500,
    });
  });

  it('test_read_switch_request_missing_file: null, nothing logged as a warning', async () => {
    const logger = spyLogger();
    expect(await readSwitchRequest(tempMetadataDir(), { logger })).toBeNull();
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('test_read_switch_request_invalid_json: null and a warning saying why', async () => {
    const dir = tempMetadataDir();
    const logger = spyLogger();
    for (const text of ['{not json', '', '   ', '42', '{"target_env": 5}', '{"source_env": "a"}', '[]']) {
      writeFileSync(join(dir, '.switch_request.json'), text);
      expect(await readSwitchRequest(dir, { logger })).toBeNull();
    }
    expect(logger.warn).toHaveBeenCalledTimes(7);
    writeFileSync(join(dir, '.switch_request.json'), '{oops');
    expect(await inspectSwitchRequest(dir)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('JSON'),
    });
  });
});

describe('switch status (test_file_communication)', () => {
  it('test_write_switch_status: state, progress from the state, message, updated_at, extras', async () => {
    const dir = tempMetadataDir();
    await writeSwitchStatus(
      dir,
      { state: 'syncing', message: 'Syncing env2...', targetEnv: 'env2', sourceEnv: 'env1' },
      { now },
    );
    expect(JSON.parse(readFileSync(join(dir, '.switch_status.json'), 'utf8'))).toEqual({
      state: 'syncing',
      progress: 30,
      message: 'Syncing env2...',
      updated_at: 1732492800.123,
      target_env: 'env2',
      source_env: 'env1',
    });
  });

  it('test_write_switch_status_with_error', async () => {
    const dir = tempMetadataDir();
    await writeSwitchStatus(dir, {
      state: 'failed',
      message: 'Health check failed',
      error: 'No source environment to rollback to',
    });
    const status = await readSwitchStatus(dir);
    expect(status).toMatchObject({
      state: 'failed',
      progress: 100,
      error: 'No source environment to rollback to',
    });
  });

  it('test_read_switch_status: reads Python-written status with unknown extras kept', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      join(dir, '.switch_status.json'),
      '{"state": "validating", "progress": 80, "message": "m", "updated_at": 1.5, "target_env": "b", "attempt": 2}',
    );
    expect(await readSwitchStatus(dir)).toEqual({
      state: 'validating',
      progress: 80,
      message: 'm',
      updatedAt: 1500,
      targetEnv: 'b',
      extra: { attempt: 2 },
    });
    // A state written by someone else (the Python supervisor's rolled_back, or any) passes through.
    writeFileSync(join(dir, '.switch_status.json'), '{"state": "dancing"}');
    expect(await readSwitchStatus(dir)).toMatchObject({ state: 'dancing' });
    writeFileSync(join(dir, '.switch_status.json'), '{"state": 7}');
    expect(await readSwitchStatus(dir)).toBeNull();
  });

  it('test_cleanup_switch_status', async () => {
    const dir = tempMetadataDir();
    await writeSwitchStatus(dir, { state: 'complete', message: 'done' });
    await removeSwitchStatus(dir);
    await removeSwitchStatus(dir); // a second removal is fine
    expect(existsSync(join(dir, '.switch_status.json'))).toBe(false);
  });
});

describe('pid file (test_file_communication)', () => {
  it('test_write_orchestrator_pid: decimal text, no newline', async () => {
    const dir = tempMetadataDir();
    await writePidFile(dir, 4242);
    expect(readFileSync(join(dir, '.orchestrator.pid'), 'utf8')).toBe('4242');
  });

  it('test_read_orchestrator_pid: tolerates a newline; garbage is null', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.orchestrator.pid'), '1234\n');
    expect(await readPidFile(dir)).toBe(1234);
    for (const junk of ['abc', '', '-5', '0', '12.5', '99999999999999999999']) {
      writeFileSync(join(dir, '.orchestrator.pid'), junk);
      expect(await readPidFile(dir)).toBeNull();
    }
  });

  it('test_read_orchestrator_pid_missing', async () => {
    expect(await readPidFile(tempMetadataDir())).toBeNull();
  });

  it('test_cleanup_orchestrator_pid: only when it still names us, if asked so', async () => {
    const dir = tempMetadataDir();
    await writePidFile(dir, 111);
    await removePidFile(dir, 222);
    expect(await readPidFile(dir)).toBe(111);
    await removePidFile(dir);
    expect(existsSync(join(dir, '.orchestrator.pid'))).toBe(false);
  });

  it('control port: decimal text, out-of-range is null', async () => {
    const dir = tempMetadataDir();
    await writeControlPort(dir, 5051);
    expect(await readControlPort(dir)).toBe(5051);
    writeFileSync(join(dir, '.control_port'), '70000');
    expect(await readControlPort(dir)).toBeNull();
  });
});

describe('startup state (test_file_communication)', () => {
  it('test_write_startup_state: Python key order, float timestamp', async () => {
    const dir = tempMetadataDir();
    await writeStartupState(
      dir,
      {
        pythonExecutable: '/ws/environments/e/.venv/bin/python',
        workingDirectory: '/ws/environments/e/ComfyUI',
        argv: ['main.py', '--port', '8188'],
        environmentName: 'e',
        workspaceRoot: '/ws',
        port: 8188,
      },
      { now: () => 1_700_000_000_000 },
    );
    const text = readFileSync(join(dir, '.startup_state.json'), 'utf8');
    expect(Object.keys(JSON.parse(text))).toEqual([
      'timestamp',
      'python_executable',
      'working_directory',
      'argv',
      'environment_name',
      'workspace_root',
      'port',
    ]);
    expect(text).toContain('"timestamp": 1700000000.0,');
  });

  it('test_read_startup_state', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      join(dir, '.startup_state.json'),
      JSON.stringify({
        timestamp: 2.25,
        python_executable: 'p',
        working_directory: 'w',
        argv: ['main.py'],
        environment_name: 'e',
        workspace_root: 'r',
        port: 8189,
      }),
    );
    expect(await readStartupState(dir)).toEqual({
      timestamp: 2250,
      pythonExecutable: 'p',
      workingDirectory: 'w',
      argv: ['main.py'],
      environmentName: 'e',
      workspaceRoot: 'r',
      port: 8189,
    });
  });
});

describe('switch lock (test_file_communication)', () => {
  it('test_acquire_switch_lock: creates the lock with our pid', async () => {
    const dir = tempMetadataDir();
    expect(await acquireSwitchLock(dir)).toEqual({ ok: true, tookOverStale: false });
    expect(readFileSync(join(dir, '.switch.lock'), 'utf8')).toBe(String(process.pid));
  });

  it('test_acquire_switch_lock_already_locked: a fresh lock is held (also an empty Python one)', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.switch.lock'), '');
    expect(await acquireSwitchLock(dir)).toMatchObject({ ok: false, reason: 'held', ownerPid: null });
  });

  it('test_acquire_switch_lock_stale: older than 300 s is taken over', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.switch.lock'), '');
    const old = (Date.now() - 301_000) / 1000;
    utimesSync(join(dir, '.switch.lock'), old, old);
    expect(await acquireSwitchLock(dir)).toEqual({ ok: true, tookOverStale: true });
  });

  it('a lock whose recorded owner is dead is stale at any age (our addition)', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.switch.lock'), '999999');
    expect(await acquireSwitchLock(dir, { isAlive: () => false })).toEqual({ ok: true, tookOverStale: true });
    writeFileSync(join(dir, '.switch.lock'), '999999');
    expect(await acquireSwitchLock(dir, { isAlive: () => true })).toMatchObject({
      ok: false,
      ownerPid: 999999,
    });
  });

  it('test_release_switch_lock and test_is_switch_locked', async () => {
    const dir = tempMetadataDir();
    expect(await isSwitchLocked(dir)).toBe(false);
    await acquireSwitchLock(dir);
    expect(await isSwitchLocked(dir)).toBe(true);
    await releaseSwitchLock(dir);
    expect(await isSwitchLocked(dir)).toBe(false);
    expect((await acquireSwitchLock(dir)).ok).toBe(true);
  });
});

describe('command hand-off', () => {
  it('writes .cmd like Python json.dump (no indent) and consumes it exactly once', async () => {
    const dir = tempMetadataDir();
    await writeCommand(dir, { command: 'switch', targetEnv: 'env2' }, { now: () => 1_000 });
    expect(readFileSync(join(dir, '.cmd'), 'utf8')).toBe(
      '{"command": "switch", "timestamp": 1.0, "target_env": "env2"}',
    );
    const results = await Promise.all([takeCommand(dir), takeCommand(dir), takeCommand(dir)]);
    expect(results.filter((r) => r.kind === 'command')).toHaveLength(1);
    expect(results.find((r) => r.kind === 'command')).toMatchObject({
      command: { command: 'switch', targetEnv: 'env2', timestamp: 1000 },
    });
    expect(existsSync(join(dir, '.cmd'))).toBe(false);
  });

  it('an unknown or corrupt command is reported as unknown and removed', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.cmd'), '{"command": "dance", "timestamp": 1}');
    expect(await takeCommand(dir)).toMatchObject({ kind: 'unknown' });
    writeFileSync(join(dir, '.cmd'), '{broken');
    expect(await takeCommand(dir)).toMatchObject({ kind: 'invalid' });
    expect(existsSync(join(dir, '.cmd'))).toBe(false);
    expect(await takeCommand(dir)).toEqual({ kind: 'none' });
  });
});

describe('lock owner', () => {
  it('owner null writes an empty lock (stale only by age), an explicit owner is recorded', async () => {
    const dir = tempMetadataDir();
    expect((await acquireSwitchLock(dir, { owner: null })).ok).toBe(true);
    expect(readFileSync(join(dir, '.switch.lock'), 'utf8')).toBe('');
    expect(await acquireSwitchLock(dir, { isAlive: () => false })).toMatchObject({
      ok: false,
      ownerPid: null,
    });
    await releaseSwitchLock(dir);
    await acquireSwitchLock(dir, { owner: 77 });
    expect(readFileSync(join(dir, '.switch.lock'), 'utf8')).toBe('77');
  });
});
