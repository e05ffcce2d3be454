import { describe, expect, it } from 'vitest';
import { initArgs, planInit } from './init-process.ts';

const found = (map: Record<string, string>) => (name: string) => map[name] ?? null;

describe('PID 1: planInit', () => {
  it('does nothing unless this process is PID 1, or when it already runs under the init', () => {
    expect(planInit({ pid: 4242, env: {}, findExecutable: found({ tini: '/usr/bin/tini' }) })).toEqual({
      kind: 'none',
    });
    expect(
      planInit({
        pid: 1,
        env: { COMFYVISOR_UNDER_INIT: '1' },
        findExecutable: found({ tini: '/usr/bin/tini' }),
      }),
    ).toEqual({ kind: 'none' });
  });

  it('as PID 1 it runs under tini when tini is on PATH', () => {
    expect(planInit({ pid: 1, env: {}, findExecutable: found({ tini: '/usr/bin/tini' }) })).toEqual({
      kind: 'init',
      init: '/usr/bin/tini',
    });
  });

  it('COMFYVISOR_INIT names another init, or none; a missing one is a warning, not a failure', () => {
    expect(
      planInit({
        pid: 1,
        env: { COMFYVISOR_INIT: 'catatonit' },
        findExecutable: found({ catatonit: '/bin/catatonit' }),
      }),
    ).toEqual({ kind: 'init', init: '/bin/catatonit' });
    expect(
      planInit({
        pid: 1,
        env: { COMFYVISOR_INIT: 'none' },
        findExecutable: found({ tini: '/usr/bin/tini' }),
      }),
    ).toEqual({
      kind: 'warn',
      message:
        'comfyvisor: running as PID 1 without an init (COMFYVISOR_INIT=none): orphaned processes will not be reaped (install tini, or run the container with --init)',
    });
    expect(
      planInit({ pid: 1, env: { COMFYVISOR_INIT: 'nothere' }, findExecutable: found({}) }),
    ).toMatchObject({
      kind: 'warn',
      message: expect.stringContaining('COMFYVISOR_INIT (nothere) is not an executable'),
    });
    expect(planInit({ pid: 1, env: {}, findExecutable: found({}) })).toMatchObject({
      kind: 'warn',
      message: expect.stringContaining('(tini is not installed)'),
    });
  });

  it("tini's flags: subreaper and signals to the child's group, then this same node and command", () => {
    expect(initArgs(['/x/bin.js', 'run', '--', '--port', '1'])).toEqual([
      '-s',
      '-g',
      '--',
      process.execPath,
      ...process.execArgv,
      '/x/bin.js',
      'run',
      '--',
      '--port',
      '1',
    ]);
  });
});
