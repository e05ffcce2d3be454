import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { extraArgsRefusal, updateConfig } from './config-update.ts';
import { FILE_NAMES } from './paths.ts';

const file = (dir: string) => join(dir, FILE_NAMES.config);
const readJson = (dir: string) => JSON.parse(readFileSync(file(dir), 'utf8')) as Record<string, unknown>;

describe('updateConfig', () => {
  it('changes one key, keeps the rest of the file as it was, and fills in no defaults', async () => {
    const dir = tempDir();
    writeFileSync(file(dir), JSON.stringify({ comfyui: { default_port: 8200 }, mine: { x: 1 } }));
    const r = await updateConfig(dir, (wire) => ({
      ...wire,
      comfyui: { ...(wire.comfyui as object), extra_args: ['--listen', '0.0.0.0'] },
    }));
    expect(r.ok).toBe(true);
    expect(readJson(dir)).toEqual({
      comfyui: { default_port: 8200, extra_args: ['--listen', '0.0.0.0'] },
      mine: { x: 1 },
    });
    expect(readFileSync(file(dir), 'utf8')).toContain('\n  "comfyui": {\n');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp.'))).toEqual([]);
  });

  it('writes a new file when there is none', async () => {
    const dir = tempDir();
    expect((await updateConfig(dir, () => ({ orchestrator: { drain_timeout_s: 60 } }))).ok).toBe(true);
    expect(readJson(dir)).toEqual({ orchestrator: { drain_timeout_s: 60 } });
  });

  it('refuses, writing nothing, a value the loader would refuse or drop, naming the key', async () => {
    const dir = tempDir();
    const original = JSON.stringify({ orchestrator: { drain_timeout_s: 60 } });
    writeFileSync(file(dir), original);
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { orchestrator: { drain_timeout_s: -1 } },
        /^orchestrator\.drain_timeout_s = -1 refused \(expected a number from 0 to 604800\)$/,
      ],
      [
        { orchestrator: { fatal_output_patterns: ['ok', '(unclosed'] } },
        /fatal_output_patterns\[1\].*not a valid regular expression/,
      ],
      [{ orchestrator: { restart_daily_at: ['25:00'] } }, /restart_daily_at\[0\]/],
      [{ comfyui: { env: { 'A=B': 'x' } } }, /comfyui\.env.*not a variable name/],
      [{ environments: { env1: { env: { N: 3 } } } }, /environments\."env1"\.env.*not a string/],
      [
        { comfyui: { extra_args: ['listen'] } },
        /^comfyui\.extra_args: item 1 \("listen"\) is not an argument/,
      ],
      [
        { environments: { e: { extra_args: ['--a', 'b\nc'] } } },
        /environments\."e"\.extra_args: item 2 holds a newline/,
      ],
    ];
    for (const [wire, message] of cases) {
      const r = await updateConfig(dir, () => wire);
      expect(r, JSON.stringify(wire)).toMatchObject({ ok: false, reason: 'invalid' });
      expect(r.ok ? '' : r.message).toMatch(message);
    }
    expect(readFileSync(file(dir), 'utf8')).toBe(original);
  });

  it('a problem the file already had does not block a change elsewhere', async () => {
    const dir = tempDir();
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { log_keep: 'many' } }));
    const r = await updateConfig(dir, (wire) => ({ ...wire, comfyui: { extra_args: ['--cpu'] } }));
    expect(r.ok).toBe(true);
    expect(readJson(dir)).toEqual({ orchestrator: { log_keep: 'many' }, comfyui: { extra_args: ['--cpu'] } });
  });

  it('leaves a corrupt file or a directory alone', async () => {
    const dir = tempDir();
    writeFileSync(file(dir), '{"comfyui": ');
    expect(await updateConfig(dir, () => ({}))).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(readFileSync(file(dir), 'utf8')).toBe('{"comfyui": ');
    const other = tempDir();
    mkdirSync(file(other));
    expect(await updateConfig(other, () => ({}))).toMatchObject({ ok: false, reason: 'unreadable' });
  });

  it('serialises updates of one process: none is lost', async () => {
    const dir = tempDir();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => updateConfig(dir, (wire) => ({ ...wire, [`k${i}`]: i }))),
    );
    expect(Object.keys(readJson(dir)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
  });
});

describe('extraArgsRefusal', () => {
  it('takes flags and the value after one; refuses the rest with the item named', () => {
    expect(extraArgsRefusal([])).toBeNull();
    expect(extraArgsRefusal(['--listen', '0.0.0.0', '--cpu', '--port=8200', '-v'])).toBeNull();
    expect(extraArgsRefusal('--cpu')).toBe('not a list of strings');
    expect(extraArgsRefusal(['--a', 'b', 'c'])).toMatch(/^item 3 \("c"\) is not an argument/);
    expect(extraArgsRefusal(['--a', 5])).toBe('item 2 is not a string');
    expect(extraArgsRefusal(['--a\0'])).toBe('item 1 holds a newline or NUL');
    expect(extraArgsRefusal([''])).toMatch(/^item 1 is empty/);
    expect(extraArgsRefusal(['-x'.repeat(600)])).toMatch(/longer than 1000/);
    expect(extraArgsRefusal(Array(101).fill('--cpu'))).toBe('more than 100 arguments');
  });
});
