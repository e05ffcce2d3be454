import { createFakeProc, type FakeProc } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ancestorsOf, childrenOf, descendantsOf, listProcesses } from './process-table.ts';

let proc: FakeProc | undefined;
afterEach(() => proc?.cleanup());

describe('listProcesses', () => {
  it('Linux: every live process with parent, argv, environment and cwd; zombies left out', async () => {
    proc = createFakeProc({
      processes: [
        { pid: 1, ppid: 0, cmdline: ['/sbin/init'] },
        {
          pid: 10,
          ppid: 1,
          cmdline: ['python', 'main.py'],
          environ: { COMFYGIT_SUPERVISED: '1' },
          cwd: '/srv',
        },
        { pid: 11, ppid: 10, state: 'Z' },
      ],
    });
    const table = await listProcesses({ procRoot: proc.root, platform: 'linux' });
    expect(table.map((p) => p.pid)).toEqual([1, 10]);
    expect(table[1]).toMatchObject({
      ppid: 1,
      commandLine: ['python', 'main.py'],
      environ: { COMFYGIT_SUPERVISED: '1' },
      cwd: '/srv',
    });
    expect(await listProcesses({ procRoot: `${proc.root}/none`, platform: 'linux' })).toEqual([]);
  });

  it('macOS: one ps call, command lines split at spaces, no environment; Windows: []', async () => {
    const run = async () =>
      '  11   10 /usr/bin/python3 main.py\n   10    1 comfyvisor supervisor /ws\nnoise\n';
    expect(await listProcesses({ platform: 'darwin', run })).toEqual([
      {
        pid: 10,
        ppid: 1,
        commandLine: ['comfyvisor', 'supervisor', '/ws'],
        environ: null,
        cwd: null,
        startTicks: null,
      },
      {
        pid: 11,
        ppid: 10,
        commandLine: ['/usr/bin/python3', 'main.py'],
        environ: null,
        cwd: null,
        startTicks: null,
      },
    ]);
    expect(await listProcesses({ platform: 'win32', run })).toEqual([]);
  });
});

describe('children, descendants, ancestors (the one children map)', () => {
  const table = [
    { pid: 1, ppid: 0 },
    { pid: 10, ppid: 1 },
    { pid: 11, ppid: 10 },
    { pid: 12, ppid: 10 },
    { pid: 13, ppid: 11 },
    { pid: 50, ppid: 50 }, // its own parent: not a child of itself
    { pid: 60, ppid: 61 },
    { pid: 61, ppid: 60 }, // a loop
  ];
  it('breadth-first, each once, bounded; loops end', () => {
    const children = childrenOf(table);
    expect(descendantsOf(10, children)).toEqual([11, 12, 13]);
    expect(descendantsOf(10, children, 2)).toEqual([11, 12]);
    expect(descendantsOf(50, children)).toEqual([]);
    expect(descendantsOf(60, children)).toEqual([61]);
    const parents = new Map(table.map((p) => [p.pid, p]));
    expect(ancestorsOf(13, parents)).toEqual([11, 10, 1]);
    expect(ancestorsOf(60, parents)).toEqual([61]);
    expect(ancestorsOf(999, parents)).toEqual([]);
  });
});
