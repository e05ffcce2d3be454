import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRotatingLog } from '@comfyvisor/ipc-files';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lastLines } from './commands/logs.ts';
import { type Follower, followFile } from './follow-file.ts';

const followers: Follower[] = [];
afterEach(() => {
  for (const f of followers.splice(0)) f.stop();
});

function follow(path: string, from: 'end' | number = 'end') {
  const out: Buffer[] = [];
  const notices: string[] = [];
  followers.push(
    followFile(path, { from, onData: (c) => out.push(c), onNotice: (m) => notices.push(m), intervalMs: 20 }),
  );
  return { text: () => Buffer.concat(out).toString(), notices };
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');

describe('followFile', () => {
  it('follows a size-rotating writer without losing or repeating a line, even several rotations at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-follow-'));
    const path = join(dir, 'comfyui.log');
    const log = createRotatingLog(path, { maxBytes: 200, keep: 5 });
    log.write(numbered(0, 5));
    const seen = follow(path);
    for (let i = 5; i < 80; i++) log.write(`line ${i}\n`); // 3 rotations before the follower looks
    await vi.waitFor(() => expect(seen.text()).toContain('line 79\n'), { timeout: 3000 });
    expect(seen.text()).toBe(numbered(5, 80));
    for (let i = 80; i < 300; i++) log.write(`line ${i}\n`); // more rotations than files kept
    await vi.waitFor(() => expect(seen.text()).toContain('line 299\n'), { timeout: 3000 });
    for (let i = 300; i < 400; i++) {
      log.write(`line ${i}\n`);
      if (i % 20 === 0) await vi.waitFor(() => expect(seen.text()).toContain(`line ${i}\n`));
    }
    await vi.waitFor(() => expect(seen.text()).toContain('line 399\n'), { timeout: 3000 });
    // What happened between looks beyond the kept files is gone from disk; all the rest is there once, in order.
    const lines = seen.text().trimEnd().split('\n');
    const numbers = lines.map((l) => Number(l.split(' ')[1]));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(numbers.slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 300 + i));
    await log.close();
  });

  it('waits for a removed file to come back, says so once, and reads the new one from its start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-follow-'));
    const path = join(dir, 'comfyui.log');
    writeFileSync(path, 'old\n');
    const seen = follow(path);
    appendFileSync(path, 'before removal\n');
    await vi.waitFor(() => expect(seen.text()).toBe('before removal\n'));
    appendFileSync(path, 'last words\n');
    rmSync(path);
    await vi.waitFor(() =>
      expect(seen.notices).toEqual(['comfyui.log is not there (removed?); waiting for it to come back']),
    );
    writeFileSync(path, 'reborn\n');
    await vi.waitFor(() => expect(seen.text()).toBe('before removal\nlast words\nreborn\n'));
    expect(seen.notices).toHaveLength(1);
  });

  it('after an error while reading (here a throwing onData) goes on where it was: nothing read twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-follow-'));
    const path = join(dir, 'x.log');
    writeFileSync(path, '');
    const out: string[] = [];
    const notices: string[] = [];
    let thrown = false;
    followers.push(
      followFile(path, {
        onData: (c) => {
          out.push(c.toString());
          if (!thrown && c.includes('boom')) {
            thrown = true;
            throw new Error('boom');
          }
        },
        onNotice: (m) => notices.push(m),
        intervalMs: 20,
      }),
    );
    appendFileSync(path, 'one\nboom\n');
    await vi.waitFor(() => expect(notices).toEqual(['reading x.log: boom']));
    appendFileSync(path, 'two\n');
    await vi.waitFor(() => expect(out.join('')).toContain('two\n'));
    expect(out.join('')).toBe('one\nboom\ntwo\n');
  });

  it('reads a truncated file again from its start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-follow-'));
    const path = join(dir, 'x.log');
    writeFileSync(path, 'aaaa\nbbbb\n');
    const seen = follow(path, 0);
    await vi.waitFor(() => expect(seen.text()).toBe('aaaa\nbbbb\n'));
    const fd = openSync(path, 'r+');
    closeSync(fd);
    writeFileSync(path, 'c\n');
    await vi.waitFor(() => expect(seen.text()).toBe('aaaa\nbbbb\nc\n'));
    expect(seen.notices).toEqual(['x.log was truncated; reading it from the start']);
  });
});

describe('lastLines', () => {
  it('gives the last n lines, with or without a final newline, across blocks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-tail-'));
    const path = join(dir, 'f');
    const check = (text: string, n: number) => {
      writeFileSync(path, text);
      const fd = openSync(path, 'r');
      try {
        return lastLines(fd, Buffer.byteLength(text), n).toString();
      } finally {
        closeSync(fd);
      }
    };
    expect(check('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(check('a\nb\nc', 2)).toBe('b\nc');
    expect(check('a\nb\n', 5)).toBe('a\nb\n');
    expect(check('a\nb\n', 0)).toBe('');
    expect(check('', 3)).toBe('');
    const big = numbered(0, 20_000);
    expect(check(big, 3)).toBe('line 19997\nline 19998\nline 19999\n');
    expect(check(big, 20_000)).toBe(big);
  });
});
