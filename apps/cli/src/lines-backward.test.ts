import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLinesBackward } from './lines-backward.ts';

const made: string[] = [];
const dir = () => {
  const path = mkdtempSync(join(tmpdir(), 'comfyvisor-backward-'));
  made.push(path);
  return path;
};
afterEach(() => {
  for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
});

async function collect(path: string, options = { budget: 1 << 30, maxLine: 1 << 20 }) {
  const seen: Array<[string, boolean]> = [];
  const read = await readLinesBackward(
    path,
    (line, first) => {
      seen.push([line, first]);
      return 'more';
    },
    options,
  );
  return { seen, read };
}

describe('readLinesBackward', () => {
  it('gives every line newest first across 64 KiB blocks, multi-byte characters whole, the first one marked', async () => {
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `${i} ${'é'.repeat(i % 97)} ${'x'.repeat((i * 37) % 300)}`,
    );
    const file = join(dir(), 'events.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { seen, read } = await collect(file);
    expect(read).toMatchObject({ kind: 'start', longLines: 0 });
    expect(seen.map(([line]) => line)).toEqual(['', ...[...lines].reverse()]);
    expect(seen.filter(([, first]) => first)).toEqual([[lines[0], true]]);
  });

  it('passes over a line longer than maxLine without keeping it, and goes on', async () => {
    const file = join(dir(), 'events.jsonl');
    writeFileSync(file, `old\n${'y'.repeat(300_000)}\nnew`);
    const { seen, read } = await collect(file, { budget: 1 << 30, maxLine: 100_000 });
    expect(seen).toEqual([
      ['new', false],
      ['old', true],
    ]);
    expect(read.longLines).toBe(1);
  });

  it('reads no more than its budget, and stops where the visitor says', async () => {
    const file = join(dir(), 'events.jsonl');
    writeFileSync(file, 'a\n'.repeat(200_000));
    const { read } = await collect(file, { budget: 100_000, maxLine: 1000 });
    expect(read).toMatchObject({ kind: 'budget', bytes: 100_000 });
    let visits = 0;
    const stopped = await readLinesBackward(file, () => (++visits === 3 ? 'stop' : 'more'), {
      budget: 1 << 30,
      maxLine: 1000,
    });
    expect(stopped).toMatchObject({ kind: 'stopped', bytes: 64 * 1024 });
    expect(visits).toBe(3);
  });

  it('a missing file, a directory: said, never thrown', async () => {
    const d = dir();
    expect((await collect(join(d, 'nope'))).read.kind).toBe('missing');
    mkdirSync(join(d, 'events.jsonl'));
    expect((await collect(join(d, 'events.jsonl'))).read.kind).toBe('invalid');
  });
});
