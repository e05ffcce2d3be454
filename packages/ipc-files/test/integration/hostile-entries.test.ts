// Special files where a protocol file should be (issue 12 #2, #3, #4): directories, FIFOs, symlinks
// and a folder that turned read-only. Nothing may throw, block, or follow a link elsewhere.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  acquireSwitchLock,
  claimPidFile,
  inspectSwitchRequest,
  type Logger,
  loadConfig,
  readControlPort,
  readPidFile,
  readStartupState,
  readSwitchStatus,
  releaseSwitchLock,
  removeControlPort,
  removeSwitchRequest,
  removeSwitchStatus,
  takeCommand,
  writeCommand,
  writeControlPort,
  writeSwitchRequest,
  writeSwitchStatus,
} from '@comfyvisor/ipc-files';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removePidFile, writePidFile } from '../../src/pid-file.ts';
import { readSwitchRequest } from '../../src/switch-request.ts';
import { tempMetadataDir } from '../temp-dir.ts';

function spyLogger() {
  const fn = () => vi.fn<(message: string) => void>();
  return { debug: fn(), info: fn(), warn: fn(), error: fn() } satisfies Logger;
}
const mkfifo = (path: string) => execFileSync('mkfifo', [path]);
const NAMES = [
  '.switch_request.json',
  '.switch_status.json',
  '.switch.lock',
  '.orchestrator.pid',
  '.cmd',
  '.control_port',
  '.startup_state.json',
  'orchestrator_config.json',
];

async function readEverything(dir: string, logger: Logger) {
  return {
    request: await readSwitchRequest(dir, { logger }),
    status: await readSwitchStatus(dir, { logger }),
    pid: await readPidFile(dir, { logger }),
    port: await readControlPort(dir, { logger }),
    startup: await readStartupState(dir, { logger }),
    command: await takeCommand(dir, { logger }),
    config: (await loadConfig(dir, { logger })).orchestrator.controlPort,
  };
}

describe('special files in place of protocol files', () => {
  for (const kind of ['directory', 'FIFO'] as const) {
    it(`a ${kind} at every protocol file: reads say so (never block), removes never throw, writes set it aside`, async () => {
      const dir = tempMetadataDir();
      for (const name of NAMES) {
        if (kind === 'directory') mkdirSync(join(dir, name));
        else mkfifo(join(dir, name));
      }
      const logger = spyLogger();
      expect(await readEverything(dir, logger)).toEqual({
        request: null,
        status: null,
        pid: null,
        port: null,
        startup: null,
        command: { kind: 'invalid', reason: `not a regular file (a ${kind})` },
        config: 5050,
      });
      expect(await inspectSwitchRequest(dir)).toMatchObject({ reason: `not a regular file (a ${kind})` });
      await removeSwitchRequest(dir);
      await removeSwitchStatus(dir);
      await removePidFile(dir);
      await removeControlPort(dir);
      await releaseSwitchLock(dir);
      const removed = ['.switch_request.json', '.switch_status.json', '.orchestrator.pid', '.control_port'];
      for (const name of [...removed, '.switch.lock', '.cmd'])
        expect(existsSync(join(dir, name)), name).toBe(false);
      if (kind === 'directory') {
        const asides = readdirSync(dir).filter((n) => n.includes('.rejected-'));
        expect(asides).toHaveLength(6);
      }
      const wlog = spyLogger();
      for (const name of NAMES) {
        if (!existsSync(join(dir, name))) {
          if (kind === 'directory') mkdirSync(join(dir, name));
          else mkfifo(join(dir, name));
        }
      }
      await writeSwitchRequest(dir, { targetEnv: 'env2' }, { logger: wlog });
      await writeSwitchStatus(dir, { state: 'syncing', message: 'm' }, { logger: wlog });
      await writePidFile(dir, 1234, { logger: wlog });
      await writeControlPort(dir, 5055, { logger: wlog });
      await writeCommand(dir, { command: 'restart' }, { logger: wlog });
      expect(await readSwitchRequest(dir)).toMatchObject({ targetEnv: 'env2' });
      expect(await readSwitchStatus(dir)).toMatchObject({ state: 'syncing' });
      expect(await readPidFile(dir)).toBe(1234);
      expect(await readControlPort(dir)).toBe(5055);
      expect(await takeCommand(dir)).toMatchObject({ kind: 'command' });
      expect(wlog.warn).toHaveBeenCalledTimes(5);
      expect(wlog.warn).toHaveBeenCalledWith(
        expect.stringMatching(
          new RegExp(
            `^\\.switch_status\\.json: not a regular file \\(a ${kind}\\); set aside as \\.switch_status\\.json\\.rejected-\\d+$`,
          ),
        ),
      );
    });
  }

  it('a directory at .switch.lock is set aside and the lock taken (never a throw, never blocked)', async () => {
    const dir = tempMetadataDir();
    mkdirSync(join(dir, '.switch.lock'));
    writeFileSync(join(dir, '.switch.lock', 'inside'), 'x');
    const logger = spyLogger();
    expect(await acquireSwitchLock(dir, { logger })).toEqual({ ok: true, tookOverStale: true });
    expect(lstatSync(join(dir, '.switch.lock')).isFile()).toBe(true);
    const aside = readdirSync(dir).find((n) => n.startsWith('.switch.lock.rejected-'));
    expect(aside && readFileSync(join(dir, aside, 'inside'), 'utf8')).toBe('x');
    expect(logger.warn).toHaveBeenCalledOnce();
    // a FIFO likewise, and the look at it does not block
    await releaseSwitchLock(dir);
    mkfifo(join(dir, '.switch.lock'));
    expect(await acquireSwitchLock(dir)).toMatchObject({ ok: true });
  });

  it('a directory or FIFO at the pid file is taken over by a claim', async () => {
    const dir = tempMetadataDir();
    mkdirSync(join(dir, '.orchestrator.pid'));
    expect(await claimPidFile(dir, { pid: 4242, isSupervisor: () => true })).toEqual({ ok: true });
    expect(readFileSync(join(dir, '.orchestrator.pid'), 'utf8')).toBe('4242');
    const dir2 = tempMetadataDir();
    mkfifo(join(dir2, '.orchestrator.pid'));
    expect(await claimPidFile(dir2, { pid: 4243, isSupervisor: () => true })).toEqual({ ok: true });
  });
});

describe('symlinks at protocol files', () => {
  it('are not followed, and the target content never reaches a log', async () => {
    const dir = tempMetadataDir();
    const secret = join(tempMetadataDir(), 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET {"target_env": "env2", "state": "syncing"} 4321');
    const good = join(tempMetadataDir(), 'good.json');
    writeFileSync(good, '{"target_env": "env2", "state": "syncing", "command": "restart"}');
    for (const name of NAMES)
      symlinkSync(name.endsWith('.json') || name === '.cmd' ? good : secret, join(dir, name));
    const logger = spyLogger();
    const all = await readEverything(dir, logger);
    expect(all).toMatchObject({
      request: null,
      status: null,
      pid: null,
      port: null,
      command: { kind: 'invalid' },
    });
    const lines = [...logger.warn.mock.calls, ...logger.debug.mock.calls].map((c) => c[0]).join('\n');
    expect(lines).toContain('symbolic link');
    expect(lines).not.toContain('TOP-SECRET');
    expect(lines).not.toContain(secret);
    // a write replaces the link (set aside), never the file it points to
    await writeSwitchStatus(dir, { state: 'complete', message: '' });
    expect(readFileSync(good, 'utf8')).toContain('"command": "restart"');
    expect(lstatSync(join(dir, '.switch_status.json')).isFile()).toBe(true);
  });
});

describe('a read-only .metadata (issue 12 #3)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) chmodSync(d, 0o755);
  });

  it('a write throws IpcError WRITE_FAILED naming the file, keeps the cause, leaves no temp and no half file', async () => {
    const dir = tempMetadataDir();
    await writeSwitchStatus(dir, { state: 'syncing', message: 'before' });
    const before = readFileSync(join(dir, '.switch_status.json'), 'utf8');
    const fixture = join(import.meta.dirname, 'fixtures', 'readonly-writer.mjs');
    // Root ignores file modes: it gets .metadata read-only through a read-only bind mount in a
    // mount namespace of its own (no other user needs to read the checkout, wherever it is).
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) {
      chmodSync(dir, 0o555);
      dirs.push(dir);
    }
    const out = asRoot
      ? execFileSync(
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            'mount --bind -o ro "$1" "$1" && exec "$0" "$2" "$1"',
            process.execPath,
            dir,
            fixture,
          ],
          { encoding: 'utf8' },
        )
      : execFileSync(process.execPath, [fixture, dir], { encoding: 'utf8' });
    const cause = asRoot ? 'EROFS' : 'EACCES';
    expect(JSON.parse(out)).toEqual({
      status: { name: 'IpcError', code: 'WRITE_FAILED', names: true, cause },
      claim: { name: 'IpcError', code: 'WRITE_FAILED', names: true, cause },
      removes: 'no throw',
    });
    expect(readdirSync(dir)).toEqual(['.switch_status.json']);
    expect(readFileSync(join(dir, '.switch_status.json'), 'utf8')).toBe(before);
  });
});
