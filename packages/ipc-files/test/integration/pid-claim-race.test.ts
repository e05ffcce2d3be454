// issue 12 #7: of many supervisors starting at once exactly one holds the pid file, also over a
// stale or garbage file, and nobody ever sees the file empty.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { claimPidFile, releasePidFile, verifyPidFile } from '@comfyvisor/ipc-files';
import { killTracked, track } from '@comfyvisor/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { tempMetadataDir } from '../temp-dir.ts';

const WORKERS = 8;
const ROUNDS = 50;

afterAll(killTracked);

function startWorkers() {
  const workers: ChildProcessWithoutNullStreams[] = [];
  const answers = new Map<number, string[]>();
  const waiting = new Map<number, (a: string[]) => void>();
  for (let i = 0; i < WORKERS; i++) {
    const child = track(spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'pid-worker.mjs')]));
    workers.push(child);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [round, verdict] = line.split(' ');
      const list = answers.get(Number(round)) ?? [];
      list.push(verdict as string);
      answers.set(Number(round), list);
      if (list.length === WORKERS) waiting.get(Number(round))?.(list);
    });
  }
  return {
    race: (round: number, dir: string) =>
      new Promise<string[]>((resolve) => {
        waiting.set(round, resolve);
        for (const w of workers) w.stdin.write(`${round} ${dir}\n`);
      }),
  };
}

describe('pid claim under a real race', () => {
  it(`${WORKERS} processes x ${ROUNDS} rounds (some over a dead, garbage or empty file): one winner each round, never an empty file seen`, async () => {
    const dir = tempMetadataDir();
    const pidFile = join(dir, '.orchestrator.pid');
    const reader = track(
      spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'pid-reader.mjs'), dir]),
    );
    const readerLines = createInterface({ input: reader.stdout })[Symbol.asyncIterator]();
    expect((await readerLines.next()).value).toBe('ready');
    const workers = startWorkers();
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await rm(pidFile, { force: true });
      // seeded atomically, so the reader's "never empty" is about the claimants only
      const seed = (text: string) => {
        writeFileSync(`${pidFile}.seed`, text);
        renameSync(`${pidFile}.seed`, pidFile);
      };
      if (round % 5 === 1) seed('4194305'); // beyond pid_max: dead
      if (round % 5 === 2) seed('garbage!');
      if (round % 5 === 3) seed(' \n');
      const answers = await workers.race(round, dir);
      winners.push(answers.filter((a) => a === 'won').length);
    }
    reader.stdin.end();
    const [reads, bad] = String((await readerLines.next()).value)
      .split(' ')
      .map(Number);
    expect(winners).toEqual(Array(ROUNDS).fill(1));
    expect(reads).toBeGreaterThan(0);
    expect(bad).toBe(0);
  });
});

describe('verify and release', () => {
  it('a supervisor notices its pid file overwritten; release removes only its own', async () => {
    const dir = tempMetadataDir();
    const isSupervisor = (pid: number) => pid === 1111 || pid === 2222;
    expect(await verifyPidFile(dir, 1111)).toBe('missing');
    expect(await claimPidFile(dir, { pid: 1111, isSupervisor })).toEqual({ ok: true });
    expect(await claimPidFile(dir, { pid: 2222, isSupervisor })).toEqual({ ok: false, holder: 1111 });
    expect(await verifyPidFile(dir, 1111)).toBe('ours');
    writeFileSync(join(dir, '.orchestrator.pid'), '2222');
    expect(await verifyPidFile(dir, 1111)).toEqual({ other: 2222 });
    expect(await releasePidFile(dir, 1111)).toBe(false);
    expect(await verifyPidFile(dir, 2222)).toBe('ours');
    writeFileSync(join(dir, '.orchestrator.pid'), 'junk');
    expect(await verifyPidFile(dir, 2222)).toBe('invalid');
    writeFileSync(join(dir, '.orchestrator.pid'), '2222');
    expect(await releasePidFile(dir, 2222)).toBe(true);
    expect(await verifyPidFile(dir, 2222)).toBe('missing');
  });

  it('a holder that is alive but not a supervisor (a reused pid) is taken over', async () => {
    const dir = tempMetadataDir();
    writeFileSync(join(dir, '.orchestrator.pid'), String(process.pid));
    expect(await claimPidFile(dir, { pid: 3333, isSupervisor: () => false })).toEqual({ ok: true });
    expect(await verifyPidFile(dir, 3333)).toBe('ours');
  });

  it('an empty file a minute old is garbage, not a writer at work: taken over', async () => {
    const dir = tempMetadataDir();
    const pidFile = join(dir, '.orchestrator.pid');
    writeFileSync(pidFile, '');
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(pidFile, old, old);
    expect(await claimPidFile(dir, { pid: 6666, isSupervisor: () => true })).toEqual({ ok: true });
  });

  it('an empty file being written by a non-atomic writer is waited for, then respected', async () => {
    const dir = tempMetadataDir();
    const pidFile = join(dir, '.orchestrator.pid');
    writeFileSync(pidFile, '');
    const claim = claimPidFile(dir, {
      pid: 5555,
      isSupervisor: (pid) => pid === 4444,
      sleep: async () => writeFileSync(pidFile, '4444'),
    });
    expect(await claim).toEqual({ ok: false, holder: 4444 });
  });
});
