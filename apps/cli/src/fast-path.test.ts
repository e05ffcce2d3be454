import { describe, expect, it } from 'vitest';
import { parseFastPath } from './fast-path.ts';

describe('fast path of run and status (commander stays the parser of every other form)', () => {
  it('parses the plain forms the panel and scripts use', () => {
    expect(parseFastPath(['run', '--workspace', 'W', '--environment', 'E'])).toEqual({
      command: 'run',
      options: { workspace: 'W', environment: 'E' },
    });
    expect(parseFastPath(['run', '--workspace=W', '--no-port-check'])).toEqual({
      command: 'run',
      options: { workspace: 'W', portCheck: false },
    });
    expect(parseFastPath(['run'])).toEqual({ command: 'run', options: {} });
    expect(parseFastPath(['status', '--json', '--workspace', '/w s'])).toEqual({
      command: 'status',
      options: { json: true, workspace: '/w s' },
    });
  });

  it('leaves help, unknown or repeated flags, and flag-like values to commander', () => {
    for (const argv of [
      ['run', '--help'],
      ['run', '-h'],
      ['run', '--workspace'],
      ['run', '--workspace', '--environment', 'E'],
      ['run', '--workspace', ''],
      ['run', '--workspace', 'A', '--workspace', 'B'],
      ['run', '--json'],
      ['run', 'extra'],
      ['status', '--environment', 'E'],
      ['status', '--json=yes'],
      ['restart'],
      [],
    ]) {
      expect(parseFastPath(argv), argv.join(' ')).toBeNull();
    }
  });
});
