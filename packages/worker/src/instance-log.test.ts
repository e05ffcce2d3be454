import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInstanceLog } from './instance-log.ts';

describe('instance log', () => {
  it('splits lines across chunks, replaces undecodable bytes, pushes each line to subscribers', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'worker-log-')), 'a.log');
    const log = createInstanceLog(path);
    const seen: string[] = [];
    log.subscribe((line) => seen.push(line));
    log.write(Buffer.from('hel'));
    log.write(Buffer.from([0x6c, 0x6f, 0x0d, 0x0a, 0xe2, 0x82]));
    log.write(Buffer.from([0xac, 0x0a, 0xff, 0x0a]));
    log.note('stopped');
    expect(seen).toEqual(['hello', '€', '\uFFFD', '[worker] stopped']);
    expect(await log.tail(2)).toEqual(['\uFFFD', '[worker] stopped']);
    expect(readFileSync(path, 'utf8')).toBe('hello\r\n€\n\uFFFD\n[worker] stopped\n');
    await log.close();
  });

  it('reads past the in-memory lines from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-log-'));
    const log = createInstanceLog(join(dir, 'a.log'), { maxBytes: 64 * 1024, keep: 1 });
    for (let i = 0; i < 3000; i++) log.write(Buffer.from(`line ${i}\n`));
    const all = await log.tail(2500);
    expect(all.at(-1)).toBe('line 2999');
    expect(all.length).toBe(2500);
    await log.remove();
  });
});
