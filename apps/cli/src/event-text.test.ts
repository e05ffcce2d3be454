import { describe, expect, it } from 'vitest';
import { describeEvent, formatEvent, localTime, parseSince } from './event-text.ts';

describe('parseSince', () => {
  it('reads durations in s, m, h, d, w', () => {
    expect(parseSince('30m')).toBe(1_800_000);
    expect(parseSince('1h')).toBe(3_600_000);
    expect(parseSince('2d')).toBe(172_800_000);
    expect(parseSince('1.5h')).toBe(5_400_000);
    expect(parseSince(' 45S ')).toBe(45_000);
  });

  it('refuses anything else with one line and exit code 2', () => {
    for (const bad of ['', 'yesterday', '1', 'h', '-1h', '0m', '1y', '1h30m']) {
      let caught: unknown;
      try {
        parseSince(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'USER_ERROR', exitCode: 2 });
      expect((caught as Error).message).toBe(`--since must be a duration like 30m, 1h or 2d, not "${bad}"`);
    }
  });
});

describe('describeEvent', () => {
  it('says each event in words', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'supervisor_start', env: 'env1', pid: 5 }, 'supervisor started (pid 5) with env1'],
      [{ type: 'supervisor_stop', reason: 'stopped', exitCode: 0 }, 'supervisor stopped: stopped (exit 0)'],
      [{ type: 'comfyui_start', env: 'env1', pid: 6 }, 'ComfyUI started in env1 (pid 6)'],
      [
        { type: 'comfyui_exit', env: 'env1', pid: 6, code: 1, signal: null, meaning: 'crash' },
        'ComfyUI exited in env1 (pid 6, exit code 1): a crash',
      ],
      [
        { type: 'comfyui_exit', env: 'env1', pid: 6, code: null, signal: 'SIGKILL', meaning: 'crash' },
        'ComfyUI exited in env1 (pid 6, signal SIGKILL): a crash',
      ],
      [{ type: 'restart', env: 'env1', reason: 'exit_42' }, 'restarting env1: ComfyUI asked (exit 42)'],
      [{ type: 'restart', env: 'env1', reason: 'hung' }, 'restarting env1: it had stopped answering'],
      [
        {
          type: 'restart',
          env: 'env1',
          reason: 'fatal_output',
          line: 'CUDA error: device-side assert triggered',
        },
        'restarting env1: a fatal line in its output (CUDA error: device-side assert triggered)',
      ],
      [
        { type: 'restart', env: 'env1', reason: 'memory', bytes: 9 * 2 ** 30, limitBytes: 8 * 2 ** 30 },
        'restarting env1: its memory passed restart_rss_mb (9216 MB > 8192 MB)',
      ],
      [
        { type: 'restart', env: 'env1', reason: 'vram', bytes: 500 * 2 ** 20, limitBytes: 400 * 2 ** 20 },
        'restarting env1: its GPU memory passed restart_vram_mb (500 MB > 400 MB)',
      ],
      [
        { type: 'restart', env: 'env1', reason: 'schedule', at: '04:00' },
        'restarting env1: restart_daily_at (04:00)',
      ],
      [{ type: 'sync', env: 'env1', ok: true, skipped: false, durationMs: 1234 }, 'synced env1 in 1.2 s'],
      [
        { type: 'sync', env: 'env1', ok: false, skipped: false, reason: 'timeout' },
        'sync of env1 failed: timeout',
      ],
      [{ type: 'switch_start', target: 'env2', source: 'env1' }, 'switch env1 → env2 started'],
      [
        {
          type: 'switch_end',
          target: 'env2',
          source: 'env1',
          outcome: 'rolled_back',
          durationMs: 12_400,
          error: 'crashed\nmore',
        },
        'switch env1 → env2 rolled back after 12 s: crashed',
      ],
      [{ type: 'health', env: 'env2', healthy: true, afterMs: 400 }, 'env2 healthy after 0.4 s'],
      [
        { type: 'hung', env: 'env1', pid: 7, failures: 3 },
        'ComfyUI in env1 (pid 7) stopped answering (3 failed probes)',
      ],
      [
        { type: 'backoff', env: 'env1', delayMs: 2000, crashes: 2 },
        'waiting 2.0 s before starting env1 again (failure 2)',
      ],
      [
        { type: 'give_up', env: 'env1', crashes: 5, lastExit: 'exit code 1' },
        'gave up on env1 after 5 failures (last: exit code 1)',
      ],
      [{ type: 'from_the_future', a: 1, b: 'x' }, 'from_the_future a=1 b=x'],
    ];
    for (const [event, words] of cases) expect(describeEvent({ time: 0, ...event } as never)).toBe(words);
  });

  it('prefixes the local time', () => {
    const t = new Date(2030, 4, 6, 7, 8, 9).getTime() / 1000;
    expect(localTime(t)).toBe('2030-05-06 07:08:09');
    expect(formatEvent({ time: t, type: 'restart', env: 'e', reason: 'command' })).toBe(
      '2030-05-06 07:08:09  restarting e: restart command',
    );
  });
});
