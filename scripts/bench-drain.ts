// "Prompt executed → restart begins": a planned restart that waited for ComfyUI's running prompt
// (the drain) acts as soon as the prompt is done (issue 17's target: ≤ 50 ms). Each round queues a
// short prompt on the fake ComfyUI, asks a restart (`.cmd`) while it runs, and measures from the
// fake's `prompt_executed` record (written just before it prints `Prompt executed in N seconds`,
// the line the supervisor acts on) to the fake's `sigterm` record. A round whose restart did not
// drain (the command came before the supervisor saw `got prompt`) is not counted.
// Used by `pnpm bench`; alone: `tsx scripts/bench-drain.ts` (BENCH_DRAIN_ROUNDS, default 10).
import { spawn } from 'node:child_process';
import { metadataDir, readControlPort, readEvents, writeCommand } from '@comfyvisor/ipc-files';
import {
  createWorkspace,
  freePort,
  postPrompt,
  type TestWorkspace,
  track,
  waitFor,
} from '@comfyvisor/testkit';
import { CLI, lastEvent, max, median, nextEvent, printTable, runBench } from './bench-lib.ts';

export interface DrainBench {
  /** prompt_executed → sigterm (ms), per counted round. */
  executedToTerm: number[];
  /** Rounds whose restart did not drain. */
  skipped: number;
}

/** One round on a supervised fake listening on `port`; null when the restart did not drain. */
async function drainRound(ws: TestWorkspace, port: number, round: number): Promise<number | null> {
  const dir = metadataDir(ws.root);
  const from = await lastEvent(ws);
  const label = `bench-drain-${round}`;
  const answer = await postPrompt(port, { durationS: 1, label });
  if (!answer.ok) throw new Error(`POST /prompt answered ${answer.status}`);
  const started = await nextEvent(ws, { event: 'prompt_started', label }, from);
  await writeCommand(dir, { command: 'restart' });
  const executed = await nextEvent(ws, { event: 'prompt_executed', label }, started.index);
  const term = await nextEvent(ws, { event: 'sigterm' }, from);
  await nextEvent(ws, { event: 'listening' }, term.index);
  const sinceMs = Math.floor(started.time * 1000);
  const drained = (await readEvents(dir, { sinceMs })).events.some(
    (e) => e.type === 'drain_end' && e.outcome === 'finished',
  );
  return drained && term.index > executed.index ? (term.time - executed.time) * 1000 : null;
}

/** Runs `rounds` drain rounds against the supervisor already running on `ws` (ComfyUI on `port`). */
export async function benchDrain(options: {
  ws: TestWorkspace;
  port: number;
  rounds: number;
}): Promise<DrainBench> {
  const result: DrainBench = { executedToTerm: [], skipped: 0 };
  for (let i = 0; i < options.rounds; i++) {
    const ms = await drainRound(options.ws, options.port, i);
    if (ms === null) result.skipped++;
    else result.executedToTerm.push(ms);
  }
  return result;
}

async function main() {
  const ws = await createWorkspace({
    config: {
      orchestrator: {
        log_level: 'info',
        sync_enabled: false,
        stop_grace_s: 5,
        control_port_range: [await freePort(), 65000],
      },
    },
  });
  const port = await freePort();
  const sup = track(
    spawn(
      process.execPath,
      [CLI, 'run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    ),
  );
  await waitFor(() => readControlPort(metadataDir(ws.root)));
  await ws.waitForEvent({ event: 'listening' }, { after: -1 });
  const rounds = Number(process.env.BENCH_DRAIN_ROUNDS ?? 10);
  const drain = await benchDrain({ ws, port, rounds });
  sup.kill('SIGTERM');
  await new Promise((resolve) => sup.once('exit', resolve));
  printTable(`comfyvisor drain bench (${drain.executedToTerm.length} of ${rounds} rounds drained)`, [
    ...drainRows(drain),
  ]);
}

/** The bench table's rows for the drain figures. */
export function drainRows(drain: DrainBench) {
  return [
    {
      name: 'prompt executed → restart begins (SIGTERM), median',
      value: median(drain.executedToTerm),
      unit: 'ms',
      target: 50,
    },
    {
      name: `  … worst of ${drain.executedToTerm.length} rounds`,
      value: max(drain.executedToTerm),
      unit: 'ms',
      target: 50,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) runBench(main);
