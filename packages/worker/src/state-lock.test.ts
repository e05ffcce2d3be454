import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, lockStateDir } from './state-lock.ts';

describe('state dir lock', () => {
  it('refuses a second claim in the same process, and is free again once released', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-lock-'));
    const lock = lockStateDir(dir, 4242);
    expect(() => lockStateDir(dir, 4343)).toThrow(expect.objectContaining({ code: 'STATE_DIR_LOCKED' }));
    lock.release();
    lockStateDir(dir, 4343).release();
  });

  it.each([
    ['a dead pid', '999999999\n'],
    ['garbage', 'not a pid'],
    ['a live process that is not a worker (a reused pid)', `${process.pid}\n`],
  ])('takes over a file holding %s', (_what, text) => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-lock-'));
    writeFileSync(join(dir, LOCK_FILE), text);
    const lock = lockStateDir(dir, 4242);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('4242\n');
    lock.release();
  });
});
