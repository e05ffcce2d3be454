import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { killTracked, track } from '@comfyvisor/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { tempMetadataDir } from '../temp-dir.ts';

const WORKERS = 8;
const ROUNDS = 100;
const STALE_ROUNDS = 30;

afterAll(killTracked);

function startWorkers(): { send(line: string): void; answers(round: number): Promise<string[]> } {
  const workers: ChildProcessWithoutNullStreams[] = [];
  const pending = new Map<number, { answers: string[]; done: (a: string[]) => void }>();
  const waiting = new Map<number, string[]>();
  for (let i = 0; i < WORKERS; i++) {
    const child = track(spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'lock-worker.mjs')]));
    workers.push(child);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [round, verdict] = line.split(' ');
      const n = Number(round);
      const list = waiting.get(n) ?? [];
      list.push(verdict as string);
      waiting.set(n, list);
      const entry = pending.get(n);
      if (entry && list.length === WORKERS) entry.done(list);
    });
  }
  return {
    send: (line) => {
      for (const w of workers) w.stdin.write(`${line}\n`);
    },
    answers: (round) =>
      new Promise((resolve) => {
        const list = waiting.get(round);
        if (list && list.length === WORKERS) resolve(list);
        else pending.set(round, { answers: [], done: resolve });
      }),
  };
}

describe('switch lock under a real race', () => {
  it(`${WORKERS} processes, ${ROUNDS} rounds (${STALE_ROUNDS} over a stale lock): exactly one winner each round`, async () => {
    const dir = tempMetadataDir();
    const workers = startWorkers();
    const winners: number[] = [];
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      await rm(join(dir, '.switch.lock'), { force: true });
      // The last rounds race over a lock left by a dead owner (pid 2^22+1 is beyond pid_max here).
      if (round >= ROUNDS - STALE_ROUNDS) writeFileSync(join(dir, '.switch.lock'), '4194305');
      workers.send(`${round} ${dir}`);
      const answers = await workers.answers(round);
      winners.push(answers.filter((a) => a === 'won').length);
    }
    console.log(`lock race: ${ROUNDS} rounds x ${WORKERS} processes in ${Date.now() - started} ms`);
    expect(winners).toEqual(Array(ROUNDS).fill(1));
  });
});
