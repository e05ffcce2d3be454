import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRotatingLog } from '@comfyvisor/ipc-files';
import { describe, expect, it } from 'vitest';
import { tempMetadataDir } from '../temp-dir.ts';

const MB = 1024 * 1024;
const onDisk = (dir: string) =>
  readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);

describe('rotating log', () => {
  it('50 MB through a 1 MB cap with keep 2 leaves at most 3 MB on disk, newest lines last', async () => {
    const dir = tempMetadataDir();
    const log = createRotatingLog(join(dir, 'comfyui.log'), { maxBytes: MB, keep: 2 });
    const line = `${'x'.repeat(1000)}\n`;
    for (let i = 0; i < 50 * 1024; i++) log.write(i === 50 * 1024 - 1 ? 'the last line\n' : line);
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['comfyui.log', 'comfyui.log.1', 'comfyui.log.2']);
    expect(onDisk(dir)).toBeLessThanOrEqual(3 * MB);
    expect(statSync(join(dir, 'comfyui.log.2')).size).toBeGreaterThan(MB - 1001);
    expect(readFileSync(join(dir, 'comfyui.log'), 'utf8').endsWith('the last line\n')).toBe(true);
  });

  it('keeps the order of writes across a rotation, and recreates a file removed by hand', async () => {
    const dir = tempMetadataDir();
    const path = join(dir, 'orchestrator.log');
    const log = createRotatingLog(path, { maxBytes: 20, keep: 1 });
    for (const word of ['aaaaaaaa\n', 'bbbbbbbb\n', 'cccccccc\n']) log.write(word);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('aaaaaaaa\nbbbbbbbb\n');
    expect(readFileSync(path, 'utf8')).toBe('cccccccc\n');
    rmSync(path);
    log.write(Buffer.from('after removal\n'));
    expect(readFileSync(path, 'utf8')).toBe('after removal\n');
    await log.close();
    log.write('after close\n');
    expect(readFileSync(path, 'utf8')).toBe('after removal\n');
  });

  it('a directory in place of the log is set aside; a write never throws', async () => {
    const dir = tempMetadataDir();
    const path = join(dir, 'comfyui.log');
    mkdirSync(path);
    const log = createRotatingLog(path, { maxBytes: MB, keep: 1 });
    expect(() => log.write('hello\n')).not.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
    expect(readdirSync(dir).some((n) => n.startsWith('comfyui.log.rejected-'))).toBe(true);
    await log.close();
  });

  it('a FIFO in place of the log is set aside too: a write never blocks (nobody reads the FIFO)', async () => {
    const dir = tempMetadataDir();
    const path = join(dir, 'comfyui.log');
    execFileSync('mkfifo', [path]);
    const log = createRotatingLog(path, { maxBytes: MB, keep: 1 });
    log.write('hello\n');
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
    expect(readdirSync(dir).some((n) => n.startsWith('comfyui.log.rejected-'))).toBe(true);
    await log.close();
  });
});
