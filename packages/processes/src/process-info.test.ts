import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeProc, type FakeProc } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStat } from './proc-stat.ts';
import { isSameProcess, processIdentity } from './process-identity.ts';
import { isProcessRunning, readCommandLine, readEnvironment, readWorkingDirectory } from './process-info.ts';
import { parseStatusRss, residentBytesOf, treeResidentBytes } from './resident-memory.ts';

let proc: FakeProc | undefined;
afterEach(() => proc?.cleanup());

/** A stat line with the start (field 22) and a command name holding spaces and parentheses. */
const statLine = (pid: number, ppid: number, ticks: number, state = 'S') =>
  `${pid} (a) b (c) ${state} ${ppid} ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${ticks} 100 5\n`;

describe('parseStat: the one reader of /proc/<pid>/stat', () => {
  it('counts fields from the last parenthesis; the start is field 22', () => {
    expect(parseStat(statLine(7, 3, 12345, 'Z'))).toEqual({
      state: 'Z',
      ppid: 3,
      pgid: 7,
      startTicks: 12345,
    });
    expect(parseStat('7 (short) S 3 7 7 0\n')).toEqual({ state: 'S', ppid: 3, pgid: 7, startTicks: null });
    for (const bad of ['', 'garbage', '7 (x) S y z']) expect(parseStat(bad)).toBeNull();
  });
});

describe('one process (fake /proc)', () => {
  it('command line, environment and working folder; null for what cannot be read', () => {
    proc = createFakeProc({
      processes: [{ pid: 10, cmdline: ['python', 'main.py'], environ: { A: '1', B: 'x=y' }, cwd: '/srv' }],
    });
    const options = { procRoot: proc.root, platform: 'linux' as const };
    expect(readCommandLine(10, options)).toEqual(['python', 'main.py']);
    expect(readEnvironment(10, options)).toEqual({ A: '1', B: 'x=y' });
    expect(readWorkingDirectory(10, options)).toBe('/srv');
    expect(readCommandLine(11, options)).toBeNull();
    expect(readEnvironment(11, options)).toBeNull();
    expect(readEnvironment(10, { ...options, platform: 'darwin' })).toBeNull();
  });

  it('running: a zombie or a missing pid is not', () => {
    proc = createFakeProc({ processes: [{ pid: 10 }, { pid: 11, state: 'Z' }] });
    const options = { procRoot: proc.root, platform: 'linux' as const };
    expect([10, 11, 12, 0, -1, 1.5].map((pid) => isProcessRunning(pid, options))).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('macOS: ps for the command line and for a zombie', () => {
    const runSync = (_file: string, args: string[]) =>
      args.includes('command=')
        ? '/usr/bin/python3 main.py --port 8188\n'
        : 'Z    Sat Dec  5 02:00:00 2026\n';
    expect(readCommandLine(process.pid, { platform: 'darwin', runSync })).toEqual([
      '/usr/bin/python3',
      'main.py',
      '--port',
      '8188',
    ]);
    expect(isProcessRunning(process.pid, { platform: 'darwin', runSync })).toBe(false);
    expect(readCommandLine(process.pid, { platform: 'darwin', runSync: () => null })).toBeNull();
  });
});

describe('is this still the process I started (pid reuse)', () => {
  it('the same pid with another start time is another process; a zombie or a gone pid is none', () => {
    proc = createFakeProc({ processes: [{ pid: 10 }] });
    const options = { procRoot: proc.root, platform: 'linux' as const };
    const stat = join(proc.root, '10', 'stat');
    writeFileSync(stat, statLine(10, 1, 5_000));
    const identity = processIdentity(10, options);
    expect(identity).toEqual({ pid: 10, start: 'ticks:5000' });
    expect(isSameProcess(identity as NonNullable<typeof identity>, options)).toBe(true);
    writeFileSync(stat, statLine(10, 1, 7_000));
    expect(isSameProcess(identity as NonNullable<typeof identity>, options)).toBe(false);
    writeFileSync(stat, statLine(10, 1, 5_000, 'Z'));
    expect(isSameProcess(identity as NonNullable<typeof identity>, options)).toBe(false);
    expect(processIdentity(10, options)).toBeNull();
    expect(processIdentity(99, options)).toBeNull();
  });

  it('macOS: the start comes from ps lstart', () => {
    let lstart = 'Sat Dec  5 02:00:00 2026';
    const runSync = () => `S    ${lstart}\n`;
    const identity = processIdentity(42, { platform: 'darwin', runSync });
    expect(identity?.start).toBe(`ms:${Date.parse('Sat Dec  5 02:00:00 2026')}`);
    lstart = 'Sat Dec  5 02:00:09 2026';
    expect(isSameProcess(identity as NonNullable<typeof identity>, { platform: 'darwin', runSync })).toBe(
      false,
    );
    expect(processIdentity(42, { platform: 'win32', runSync })).toBeNull();
  });
});

describe('treeResidentBytes', () => {
  it('sums VmRSS of the root and its descendants, not of others (fake /proc)', async () => {
    proc = createFakeProc({
      processes: [
        { pid: 1, ppid: 0 },
        { pid: 10, ppid: 1 },
        { pid: 11, ppid: 10 },
        { pid: 12, ppid: 11 },
        { pid: 20, ppid: 1 },
      ],
    });
    const rss = { 10: 1000, 11: 200, 12: 30, 20: 99_999 } as Record<number, number>;
    for (const [pid, kb] of Object.entries(rss))
      writeFileSync(join(proc.root, pid, 'status'), `Name:\tx\nVmRSS:\t  ${kb} kB\nThreads:\t1\n`);
    const options = { procRoot: proc.root, platform: 'linux' as const };
    expect(await treeResidentBytes(10, options)).toBe((1000 + 200 + 30) * 1024);
    expect(await treeResidentBytes(12, options)).toBe(30 * 1024);
    expect(await treeResidentBytes(999, options)).toBe(0);
    // the pids a caller kept: summed without listing the table, a gone one counting 0
    expect(await residentBytesOf([10, 20, 999], options)).toBe((1000 + 99_999) * 1024);
    expect(await residentBytesOf([], options)).toBe(0);
    expect(parseStatusRss('Name:\tkthreadd\nState:\tS\n')).toBe(0);
  });

  it('macOS: ps -A for the tree, then ps -o rss= (KiB) for its pids', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: string[]) => {
      calls.push([file, ...args]);
      if (args.includes('-A')) return '  1  0 launchd\n 10  1 python\n 11 10 ffmpeg\n 20  1 zsh\n';
      return ' 2048\n  512\n';
    };
    expect(await treeResidentBytes(10, { platform: 'darwin', run })).toBe((2048 + 512) * 1024);
    expect(calls.at(-1)).toEqual(['ps', '-o', 'rss=', '-p', '10,11']);
    expect(await treeResidentBytes(10, { platform: 'win32', run })).toBe(0);
  });
});
