// The watchdogs of issue 18 against a real supervisor process and the fake ComfyUI: a fatal line,
// memory grown past restart_rss_mb during a prompt, restart_daily_at, a fake nvidia-smi on PATH,
// idle_free_s, and a run-hook told of the give-up that repeated fatal lines end in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '@comfyvisor/ipc-files';
import {
  buildFakeNvidiaSmi,
  growFake,
  httpJson,
  postPrompt,
  printOnFake,
  readFakeRecord,
  tempDir,
} from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Running, startSupervised } from './helpers.ts';

const FATAL = 'CUDA error: an illegal memory access was encountered';
const MIB = 1_048_576;
/** The watchdogs tick on liveness's beat (capped at 10 s): every 2 s here, not every 10. */
const BEAT = { liveness_interval_s: 2 };
/** A hook that appends its stdin to the file named by its first argument. */
const APPEND_STDIN = `const fs=require('fs');fs.appendFileSync(process.argv[1],fs.readFileSync(0))`;

afterEach(() => {
  vi.unstubAllEnvs();
});

type Event = Awaited<ReturnType<typeof readEvents>>['events'][number] & Record<string, unknown>;

async function supervisorEvents(run: Running): Promise<Event[]> {
  return (await readEvents(run.ws.metadataDir)).events as Event[];
}

/** Waits for the supervisor's events to hold a match; returns all events so far. */
function waitForEvents(
  run: Running,
  match: (events: Event[]) => boolean,
  timeout = 20_000,
): Promise<Event[]> {
  return vi.waitFor(
    async () => {
      const events = await supervisorEvents(run);
      expect(match(events), `events so far: ${JSON.stringify(events.map((e) => e.type))}`).toBe(true);
      return events;
    },
    { timeout, interval: 50 },
  );
}

const restarts = (events: Event[], reason: string) =>
  events.filter((e) => e.type === 'restart' && e.reason === reason);

/** ComfyUI's pid, from the control API. */
async function comfyuiPid(run: Running, other?: number): Promise<number> {
  return vi.waitFor(
    async () => {
      const { body } = await httpJson(`${run.controlUrl}/health`);
      const pid = body?.comfyui?.running ? body.comfyui.pid : null;
      expect(typeof pid === 'number' && pid !== other, `a running ComfyUI (${JSON.stringify(body)})`).toBe(
        true,
      );
      return pid as number;
    },
    { timeout: 20_000, interval: 50 },
  );
}

async function metric(run: Running, name: string): Promise<number | null> {
  const { body } = await httpJson(`${run.controlUrl}/metrics`);
  const text = typeof body === 'string' ? body : String(body ?? '');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : null;
}

/** Local time of day `seconds` from now, `HH:MM:SS`. */
function localTimeIn(seconds: number): string {
  const t = new Date(Date.now() + seconds * 1000);
  return [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

describe('watchdogs', () => {
  it('a fatal output line restarts ComfyUI at once (no drain), within 5 s, as a crash', async () => {
    const run = await startSupervised({ orchestrator: { ...BEAT, crash_max_restarts: 5 } });
    await run.ws.waitForEvent({ event: 'listening' });
    const first = await comfyuiPid(run);
    // a prompt runs: a fatal line does not wait for it
    await postPrompt(run.port, { durationS: 30, label: 'doomed' });
    await run.ws.waitForEvent({ event: 'prompt_started', label: 'doomed' });
    // ComfyUI may be stopped before its answer is out: the line is what counts
    await printOnFake(run.port, `Traceback: ${FATAL}`).catch(() => null);
    const events = await waitForEvents(run, (es) => restarts(es, 'fatal_output').length === 1, 5_000);
    expect(restarts(events, 'fatal_output')[0]?.line).toBe(`Traceback: ${FATAL}`);
    expect(events.some((e) => e.type === 'drain_start')).toBe(false);
    // counted by the crash policy (a backoff before the next start), and a new ComfyUI runs
    expect(events.some((e) => e.type === 'backoff')).toBe(true);
    await comfyuiPid(run, first);
    expect(await metric(run, 'comfyvisor_restarts_total{reason="fatal_output"}')).toBe(1);
  });

  it('fatal lines that repeat give up under crash_max_restarts; a run-hook gets exactly one give_up line', async () => {
    const hookOut = join(tempDir('comfyvisor-hook-'), 'give-up.jsonl');
    const run = await startSupervised({
      orchestrator: {
        ...BEAT,
        crash_max_restarts: 2,
        hooks: [{ on: ['give_up'], run: [process.execPath, '-e', APPEND_STDIN, hookOut] }],
      },
      behaviour: { env1: { printAfter: [{ afterMs: 200, line: FATAL, stream: 'stderr' }] } },
    });
    const result = await run.sup;
    expect(result.exitCode).toBe(1);
    const events = await supervisorEvents(run);
    expect(restarts(events, 'fatal_output')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'give_up')).toHaveLength(1);
    // the hook completed before the supervisor exited
    const lines = readFileSync(hookOut, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ type: 'give_up', env: 'env1', crashes: 3 });
  });

  it('memory grown past restart_rss_mb restarts ComfyUI after the running prompt', async () => {
    const run = await startSupervised({
      orchestrator: { ...BEAT, restart_rss_mb: 150, crash_max_restarts: 5 },
    });
    await run.ws.waitForEvent({ event: 'listening' });
    const first = await comfyuiPid(run);
    await postPrompt(run.port, { durationS: 8, label: 'long' });
    await run.ws.waitForEvent({ event: 'prompt_started', label: 'long' });
    await growFake(run.port, 200);
    const events = await waitForEvents(run, (es) => restarts(es, 'memory').length === 1, 30_000);
    const restart = restarts(events, 'memory')[0] as Event;
    expect(restart.limitBytes).toBe(150 * MIB);
    expect(restart.bytes as number).toBeGreaterThan(150 * MIB);
    expect(events.find((e) => e.type === 'drain_end')).toMatchObject({
      action: 'restart',
      outcome: 'finished',
    });
    // the prompt ran to its end, once, before ComfyUI was asked to stop
    const record = await readFakeRecord(run.ws.eventsFile);
    const executed = record.filter((r) => r.event === 'prompt_executed' && r.label === 'long');
    const sigterm = record.find((r) => r.event === 'sigterm' && r.pid === first);
    expect(executed).toHaveLength(1);
    expect(sigterm && (executed[0] as { index: number }).index < sigterm.index).toBe(true);
    await comfyuiPid(run, first);
  });

  it('restart_daily_at fires once per listed time', async () => {
    const times = [localTimeIn(3), localTimeIn(9)];
    const run = await startSupervised({ orchestrator: { ...BEAT, restart_daily_at: times } });
    const events = await waitForEvents(run, (es) => restarts(es, 'schedule').length >= 2, 30_000);
    // each time once, in order, though the loop looked several times after each
    expect(restarts(events, 'schedule').map((e) => e.at)).toEqual(times);
  });

  it('a fake nvidia-smi on PATH drives the VRAM watchdog and the GPU metric (ComfyUI pids only)', async () => {
    const smi = buildFakeNvidiaSmi({ apps: [] });
    vi.stubEnv('PATH', `${smi.dir}:${process.env.PATH}`);
    const run = await startSupervised({
      orchestrator: { ...BEAT, restart_vram_mb: 1000, crash_max_restarts: 5 },
    });
    const pid = await comfyuiPid(run);
    smi.set({
      apps: [
        { pid, usedMiB: 300 },
        { pid: 999_999, usedMiB: 5000 },
      ],
    });
    await vi.waitFor(
      async () => expect(await metric(run, 'comfyvisor_comfyui_gpu_memory_bytes')).toBe(300 * MIB),
      { timeout: 15_000, interval: 100 },
    );
    // the resident memory figure comes with it (no restart_rss_mb: either limit keeps both figures)
    await vi.waitFor(
      async () => expect(await metric(run, 'comfyvisor_comfyui_resident_memory_bytes')).toBeGreaterThan(MIB),
      { timeout: 15_000, interval: 100 },
    );
    smi.set({ apps: [{ pid, usedMiB: 1500 }] });
    const events = await waitForEvents(run, (es) => restarts(es, 'vram').length === 1, 15_000);
    expect(restarts(events, 'vram')[0]).toMatchObject({ bytes: 1500 * MIB, limitBytes: 1000 * MIB });
    await comfyuiPid(run, pid);
  });

  it('idle_free_s asks POST /free once per idle spell, never while a prompt runs', async () => {
    const run = await startSupervised({ orchestrator: { ...BEAT, idle_free_s: 1 } });
    await run.ws.waitForEvent({ event: 'listening' });
    const freed = async () => (await readFakeRecord(run.ws.eventsFile)).filter((r) => r.event === 'freed');
    await postPrompt(run.port, { durationS: 1, label: 'a' });
    const first = await run.ws.waitForEvent({ event: 'freed' }, { timeoutMs: 20_000 });
    // two more looks of the loop (5 s each) in the same idle spell: no second /free
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(await freed()).toHaveLength(1);
    await postPrompt(run.port, { durationS: 1, label: 'b' });
    await run.ws.waitForEvent({ event: 'freed' }, { timeoutMs: 20_000, after: first.index });
    const record = await readFakeRecord(run.ws.eventsFile);
    const order = record
      .filter((r) => ['prompt_started', 'prompt_executed', 'freed'].includes(String(r.event)))
      .map((r) => (r.event === 'freed' ? 'freed' : `${r.event}:${r.label}`));
    expect(order).toEqual([
      'prompt_started:a',
      'prompt_executed:a',
      'freed',
      'prompt_started:b',
      'prompt_executed:b',
      'freed',
    ]);
  });
});
