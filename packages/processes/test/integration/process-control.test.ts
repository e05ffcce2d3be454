import {
  isProcessRunning,
  isSameProcess,
  processIdentity,
  readEnvironment,
  signalProcessGroup,
  treeResidentBytes,
} from '@comfyvisor/processes';
import { killTracked, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(killTracked);

/** A shell that leads its own group and starts a child in it; prints the child's pid. */
function groupLeader() {
  return track(
    execa('/bin/sh', ['-c', 'sleep 60 & echo $!; wait'], {
      detached: true,
      reject: false,
      env: { COMFYVISOR_TEST_MARK: 'group-leader' },
    }),
  );
}

/** The first line a child prints (execa's iterable would wait for the child to end). */
function firstLine(child: { stdout: NodeJS.ReadableStream | null }): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    child.stdout?.on('end', () => reject(new Error('no line')));
  });
}

describe('processes of this machine (real processes)', () => {
  it('a group signal ends the leader and its child; the environment it was started with is readable', async () => {
    const leader = groupLeader();
    const child = Number(await firstLine(leader));
    const pid = leader.pid as number;
    expect(readEnvironment(pid)).toMatchObject({ COMFYVISOR_TEST_MARK: 'group-leader' });
    expect(isProcessRunning(child)).toBe(true);
    expect(signalProcessGroup(pid, 'SIGTERM')).toBe(true);
    await leader;
    await expect.poll(() => isProcessRunning(child), { timeout: 10_000 }).toBe(false);
    expect(signalProcessGroup(2 ** 22 + 1, 'SIGTERM')).toBe(false);
    expect(signalProcessGroup(1, 'SIGTERM')).toBe(false); // never init, never everything
  });

  it('the identity of a process ends with it: a gone pid is never "the same process"', async () => {
    const sleeper = track(execa('sleep', ['60'], { reject: false }));
    const identity = processIdentity(sleeper.pid as number);
    expect(identity).not.toBeNull();
    expect(isSameProcess(identity as NonNullable<typeof identity>)).toBe(true);
    // The same pid seen later with another start time (what a reused pid looks like).
    const other = { ...(identity as NonNullable<typeof identity>), start: 'ticks:1' };
    expect(isSameProcess(other)).toBe(false);
    sleeper.kill('SIGKILL');
    await sleeper;
    expect(isSameProcess(identity as NonNullable<typeof identity>)).toBe(false);
  });

  it("a tree's resident memory grows with a child that holds memory", async () => {
    const leader = groupLeader();
    await firstLine(leader);
    const small = await treeResidentBytes(leader.pid as number);
    expect(small).toBeGreaterThan(0);
    const hog = track(
      execa(
        process.execPath,
        [
          '-e',
          'const b = Buffer.alloc(64 * 1024 * 1024, 1); console.log(b[0]); setInterval(() => {}, 1000);',
        ],
        {
          reject: false,
        },
      ),
    );
    await firstLine(hog);
    const withHog = await treeResidentBytes(process.pid);
    const alone = await treeResidentBytes(hog.pid as number);
    expect(alone).toBeGreaterThan(64 * 1024 * 1024);
    expect(withHog).toBeGreaterThanOrEqual(alone);
    expect(await treeResidentBytes(2 ** 22 + 1)).toBe(0);
  });
});
