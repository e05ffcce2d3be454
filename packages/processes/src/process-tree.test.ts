import { createFakeProc, type FakeProc } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { isInProcessTree, processTree } from './process-tree.ts';

let proc: FakeProc | undefined;
afterEach(() => proc?.cleanup());

function tree() {
  // 1 ─ 100 (supervisor) ─ 200 (ComfyUI) ─┬ 300 ─ 400
  //                                        └ 301
  //   └ 500 (unrelated; its comm has spaces and parentheses)
  return createFakeProc({
    processes: [
      { pid: 1, ppid: 0 },
      { pid: 100, ppid: 1 },
      { pid: 200, ppid: 100 },
      { pid: 300, ppid: 200 },
      { pid: 301, ppid: 200 },
      { pid: 400, ppid: 300 },
      { pid: 500, ppid: 1, comm: 'a) 7 (b' },
    ],
  });
}

describe('processTree / isInProcessTree (fake /proc)', () => {
  it('lists a root and all its descendants, breadth-first', async () => {
    proc = tree();
    const options = { procRoot: proc.root, platform: 'linux' as const };
    expect(await processTree(200, options)).toEqual([200, 300, 301, 400]);
    expect(await processTree(400, options)).toEqual([400]);
    expect(await processTree(999, options)).toEqual([]);
  });

  it('walks the parent chain: descendants are in, siblings and ancestors are not', async () => {
    proc = tree();
    const options = { procRoot: proc.root, platform: 'linux' as const };
    expect(await isInProcessTree(400, 200, options)).toBe(true);
    expect(await isInProcessTree(200, 200, options)).toBe(true);
    expect(await isInProcessTree(999, 999, options)).toBe(false); // a root that is not running
    expect(await isInProcessTree(100, 200, options)).toBe(false);
    expect(await isInProcessTree(500, 200, options)).toBe(false);
    expect(await isInProcessTree(999, 200, options)).toBe(false);
    expect(await isInProcessTree(500, 1, options)).toBe(true);
  });

  it('without /proc (macOS) reads ps -A -ww -o pid=,ppid=,command=', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: string[]) => {
      calls.push([file, ...args]);
      return '    1     0 /sbin/launchd\n   10     1 python main.py\n   11    10 ffmpeg -i x\n   12     1 zsh\n';
    };
    expect(await processTree(10, { platform: 'darwin', run })).toEqual([10, 11]);
    expect(await isInProcessTree(11, 10, { platform: 'darwin', run })).toBe(true);
    expect(await isInProcessTree(12, 10, { platform: 'darwin', run })).toBe(false);
    expect(calls[0]).toEqual(['ps', '-A', '-ww', '-o', 'pid=,ppid=,command=']);
    expect(await processTree(10, { platform: 'win32', run })).toEqual([]);
  });
});
