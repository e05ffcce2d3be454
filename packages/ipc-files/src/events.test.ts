import { appendFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import { appendEvent, readEvents } from './events.ts';

const T0 = 1_800_000_000_000;

describe('events.jsonl', () => {
  it('appends one line per event with float-second time first, and reads them back oldest first', async () => {
    const dir = tempMetadataDir();
    await appendEvent(dir, { type: 'start', env: 'env1' }, { now: () => T0 });
    await appendEvent(dir, { type: 'crash', code: 1, time: 'ignored' }, { now: () => T0 + 1500 });
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe(
      '{"time": 1800000000.0, "type": "start", "env": "env1"}\n{"time": 1800000001.5, "type": "crash", "code": 1}\n',
    );
    expect(await readEvents(dir)).toEqual({
      events: [
        { time: 1_800_000_000, type: 'start', env: 'env1' },
        { time: 1_800_000_001.5, type: 'crash', code: 1 },
      ],
      skipped: 0,
    });
    expect((await readEvents(dir, { sinceMs: T0 + 1000 })).events.map((e) => e.type)).toEqual(['crash']);
    expect((await readEvents(dir, { limit: 1 })).events.map((e) => e.type)).toEqual(['crash']);
  });

  it('rotates past maxBytes, keeps `keep` files, and reads across them in order', async () => {
    const dir = tempMetadataDir();
    for (let i = 0; i < 100; i++)
      await appendEvent(dir, { type: 'tick', i }, { maxBytes: 400, keep: 2, now: () => T0 + i });
    expect(readdirSync(dir).sort()).toEqual(['events.1.jsonl', 'events.2.jsonl', 'events.jsonl']);
    for (const name of readdirSync(dir))
      expect(readFileSync(join(dir, name)).length).toBeLessThanOrEqual(400);
    const { events, skipped } = await readEvents(dir);
    expect(skipped).toBe(0);
    const seen = events.map((e) => e.i as number);
    expect(seen.at(-1)).toBe(99);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.length).toBeGreaterThan(10);
  });

  it('a damaged or truncated line is skipped and counted, and never damages the next append', async () => {
    const dir = tempMetadataDir();
    await appendEvent(dir, { type: 'one' }, { now: () => T0 });
    appendFileSync(join(dir, 'events.jsonl'), '{"time": 1800000000.5, "type": "tw'); // a crash mid-write
    await appendEvent(dir, { type: 'three' }, { now: () => T0 + 1000 });
    appendFileSync(
      join(dir, 'events.jsonl'),
      `garbage\n[1, 2]\n{"type": "no time"}\n${'['.repeat(10_000)}\n`,
    );
    await appendEvent(dir, { type: 'four' }, { now: () => T0 + 2000 });
    const { events, skipped } = await readEvents(dir);
    expect(events.map((e) => e.type)).toEqual(['one', 'three', 'four']);
    expect(skipped).toBe(5);
  });

  it('concurrent appends of one process land whole, and a value that cannot be encoded is described', async () => {
    const dir = tempMetadataDir();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => appendEvent(dir, { type: 'burst', i })),
      appendEvent(dir, { type: 'odd', value: cyclic }),
      appendEvent(dir, { type: 'huge', value: 'x'.repeat(100_000) }),
    ]);
    const { events, skipped } = await readEvents(dir);
    expect(skipped).toBe(0);
    expect(events).toHaveLength(52);
    expect(events.find((e) => e.type === 'odd')).toMatchObject({ truncated: expect.any(String) });
    expect(JSON.stringify(events.find((e) => e.type === 'huge')).length).toBeLessThan(2000);
  });

  it('an append that cannot be made is reported to onError, never thrown', async () => {
    const dir = join(tempMetadataDir(), 'gone');
    const errors: unknown[] = [];
    await appendEvent(dir, { type: 'x' }, { onError: (e) => errors.push(e) });
    await appendEvent(
      dir,
      { type: 'y' },
      {
        onError: () => {
          throw new Error('reporter broke');
        },
      },
    );
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a rotated file is read once, under its own name only (events.01.jsonl is not events.1.jsonl)', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, 'events.1.jsonl'), '{"time": 1, "type": "old"}\n');
    writeFileSync(join(dir, 'events.01.jsonl'), '');
    writeFileSync(join(dir, 'events.99999999999999999999.jsonl'), '');
    await appendEvent(dir, { type: 'new' }, { now: () => T0 });
    expect((await readEvents(dir)).events.map((e) => e.type)).toEqual(['old', 'new']);
  });

  it('a line over 1 MiB is skipped unparsed; at most 64 MiB is read in all, newest first', async () => {
    const dir = tempMetadataDir();
    const huge = `{"time": 2, "type": "huge", "pad": "${'x'.repeat(1024 * 1024)}"}\n`;
    // Three 30 MB files (sparse: zeros, one damaged line each), each ending with one good event.
    for (const [name, type] of [
      ['events.2.jsonl', 'oldest'],
      ['events.1.jsonl', 'older'],
      ['events.jsonl', 'newest'],
    ] as const) {
      writeFileSync(join(dir, name), '');
      truncateSync(join(dir, name), 30 * 1024 * 1024);
      appendFileSync(join(dir, name), `\n{"time": 1, "type": "${type}"}\n`);
    }
    appendFileSync(join(dir, 'events.jsonl'), huge);
    const { events, skipped } = await readEvents(dir);
    expect(events.map((e) => e.type)).toEqual(['older', 'newest']);
    expect(skipped).toBe(4); // two zero lines, the huge line, and the file past the budget
  }, 30_000); // 90 MB of sparse files: slow only on a loaded machine

  it('nothing there reads as no events', async () => {
    const dir = tempMetadataDir();
    expect(await readEvents(dir)).toEqual({ events: [], skipped: 0 });
    writeFileSync(join(dir, 'events.jsonl'), '');
    expect(await readEvents(dir)).toEqual({ events: [], skipped: 0 });
  });
});
