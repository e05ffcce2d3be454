import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecentEvents } from './recent-events.ts';

const NOW = 1_900_000_000_000;
const H = 3600;
const at = (hoursAgo: number) => NOW / 1000 - hoursAgo * H;
const line = (e: Record<string, unknown>) => `${JSON.stringify(e)}\n`;

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-recent-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('readRecentEvents', () => {
  it('counts the last 24 h across rotated files and finds the last exit', async () => {
    const dir = dirWith({
      'events.2.jsonl': line({ time: at(50), type: 'restart', env: 'e', reason: 'crash' }),
      'events.1.jsonl':
        line({ time: at(30), type: 'restart', env: 'e', reason: 'crash' }) +
        line({
          time: at(20),
          type: 'comfyui_exit',
          env: 'e',
          pid: 1,
          code: 1,
          signal: null,
          meaning: 'crash',
        }) +
        line({ time: at(20), type: 'restart', env: 'e', reason: 'crash' }),
      'events.jsonl':
        line({ time: at(5), type: 'hung', env: 'e', pid: 2, failures: 3 }) +
        line({ time: at(5), type: 'restart', env: 'e', reason: 'hung' }) +
        '{"time": 12, "type": "restart", "rea\n' +
        line({
          time: at(1),
          type: 'comfyui_exit',
          env: 'e',
          pid: 3,
          code: 42,
          signal: null,
          meaning: 'restart',
        }) +
        line({ time: at(1), type: 'restart', env: 'e', reason: 'exit_42' }) +
        line({ time: at(0.5), type: 'sync', env: 'e', ok: true, skipped: false, durationMs: 5 }),
    });
    expect(await readRecentEvents(dir, { now: NOW })).toEqual({
      window_hours: 24,
      restarts: 3,
      restarts_by_reason: { exit_42: 1, hung: 1, crash: 1 },
      crashes: 1,
      hangs: 1,
      last_exit: { time: at(1), env: 'e', code: 42, signal: null, meaning: 'restart' },
      skipped: 1,
    });
  });

  it('stops at the first file that reaches past the window once the last exit is known', async () => {
    const dir = dirWith({
      'events.1.jsonl': 'not json at all\n',
      'events.jsonl':
        line({ time: at(30), type: 'supervisor_start', env: 'e', pid: 1 }) +
        line({
          time: at(2),
          type: 'comfyui_exit',
          env: 'e',
          pid: 1,
          code: null,
          signal: 'SIGKILL',
          meaning: 'crash',
        }),
    });
    const recent = await readRecentEvents(dir, { now: NOW });
    expect(recent).toMatchObject({ crashes: 1, skipped: 0, last_exit: { signal: 'SIGKILL' } });
  });

  it('no events file, an empty one or a directory in its place: nothing, no throw', async () => {
    const empty = { restarts: 0, crashes: 0, hangs: 0, last_exit: null };
    expect(await readRecentEvents(dirWith({}), { now: NOW })).toMatchObject(empty);
    expect(await readRecentEvents(dirWith({ 'events.jsonl': '' }), { now: NOW })).toMatchObject(empty);
    const odd = dirWith({});
    mkdirSync(join(odd, 'events.jsonl'));
    expect(await readRecentEvents(odd, { now: NOW })).toMatchObject({ ...empty, skipped: 1 });
  });
});
