import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTable } from './table-reader.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(text: string): string {
  dir = mkdtempSync(join(tmpdir(), 'table-'));
  const path = join(dir, 'tcp');
  writeFileSync(path, text);
  return path;
}

describe('readTable', () => {
  it('gives each caller the whole file, however large (the buffer grows past its first 64 KiB)', async () => {
    const big = 'x'.repeat(300_000);
    const path = file(big);
    expect(await readTable(path, (bytes) => bytes.toString())).toBe(big);
    writeFileSync(path, 'small');
    expect(await readTable(path, (bytes) => bytes.toString())).toBe('small');
  });

  it('lets a buffer grown for a huge table go once its readers are served', async () => {
    const path = file('y'.repeat(3_000_000));
    expect(await readTable(path, (bytes) => bytes.length)).toBe(3_000_000);
    writeFileSync(path, 'small');
    expect(await readTable(path, (bytes) => bytes.buffer.byteLength)).toBeLessThanOrEqual(1024 * 1024);
  });

  it('reads the file as it is after the call: a change made before the call is always seen', async () => {
    const path = file('one');
    const first = readTable(path, (bytes) => bytes.toString());
    writeFileSync(path, 'two');
    const second = readTable(path, (bytes) => bytes.toString());
    expect(await second).toBe('two');
    expect(['one', 'two']).toContain(await first);
  });

  it('lets callers that wait for the same file share one read', async () => {
    const path = file('shared');
    const seen: Buffer[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () =>
        readTable(path, (bytes) => {
          seen.push(bytes);
          return bytes.toString();
        }),
      ),
    );
    expect(seen).toHaveLength(20);
    // The first call reads alone; the 19 that asked meanwhile share the next read.
    expect(new Set(seen).size).toBe(2);
  });

  it('is empty for a missing file, and passes on what the caller throws', async () => {
    dir = mkdtempSync(join(tmpdir(), 'table-'));
    expect(await readTable(join(dir, 'missing'), (bytes) => bytes.length)).toBe(0);
    const path = join(dir, 'present');
    writeFileSync(path, 'x');
    await expect(
      readTable(path, () => {
        throw new Error('bad row');
      }),
    ).rejects.toThrow('bad row');
    expect(await readTable(path, (bytes) => bytes.toString())).toBe('x');
  });
});
