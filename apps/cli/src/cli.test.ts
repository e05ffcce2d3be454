import { describe, expect, it } from 'vitest';
import { describeError, UserError } from './errors.ts';
import { formatDuration, progressBar, table } from './output.ts';
import { splitComfyuiArgs } from './run-args.ts';

describe('run arguments (test_extract_comfyui_args_from_sys_argv / _empty)', () => {
  it("everything after --args is ComfyUI's, even words that look like ours", () => {
    expect(
      splitComfyuiArgs([
        'run',
        '--workspace',
        'W',
        '--environment',
        'E',
        '--args',
        '--port',
        '8188',
        '--workspace',
        'X',
      ]),
    ).toEqual({
      own: ['run', '--workspace', 'W', '--environment', 'E'],
      comfyui: ['--port', '8188', '--workspace', 'X'],
    });
  });

  it('-- works in place of --args; no separator means no ComfyUI args', () => {
    expect(splitComfyuiArgs(['run', '--', '--listen'])).toEqual({ own: ['run'], comfyui: ['--listen'] });
    expect(splitComfyuiArgs(['run', '--workspace', 'W'])).toEqual({
      own: ['run', '--workspace', 'W'],
      comfyui: null,
    });
    expect(splitComfyuiArgs(['run', '--args'])).toEqual({ own: ['run'], comfyui: [] });
    expect(splitComfyuiArgs(['status', '--json'])).toEqual({ own: ['status', '--json'], comfyui: null });
  });
});

describe('errors', () => {
  it("a user's mistake is one line; a bug says how to see more", () => {
    expect(describeError(new UserError('unknown environment "x"'))).toEqual({
      message: 'comfyvisor: unknown environment "x"',
      exitCode: 1,
    });
    const coded = Object.assign(new Error('a supervisor is already running\nstack'), {
      code: 'SUPERVISOR_ALREADY_RUNNING',
    });
    expect(describeError(coded)).toEqual({
      message: 'comfyvisor: a supervisor is already running',
      exitCode: 1,
    });
    const bug = describeError(new TypeError('x is undefined'), false);
    expect(bug.exitCode).toBe(70);
    expect(bug.message).toMatch(/unexpected error: x is undefined \(set COMFYVISOR_DEBUG=1/);
    expect(bug.message).not.toMatch(/\n\s+at /);
  });
});

describe('human output', () => {
  it('durations, tables, progress bars', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m 5s');
    expect(formatDuration(7260)).toBe('2h 1m');
    expect(
      table([
        ['a', '1'],
        ['long', '2'],
      ]),
    ).toBe('a     1\nlong  2');
    expect(progressBar(50, 10)).toBe('[#####-----]  50%');
    expect(progressBar(150, 4)).toBe('[####] 100%');
  });
});
