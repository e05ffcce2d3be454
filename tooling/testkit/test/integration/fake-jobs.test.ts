// The fake ComfyUI as a job server: the queue, one prompt at a time, ComfyUI's lines, the record.
import { describe, expect, it } from 'vitest';
import {
  clearQueue,
  createWorkspace,
  deleteQueued,
  executedCounts,
  freeMemory,
  freePort,
  interruptPrompt,
  postPrompt,
  readFakeRecord,
  readQueue,
  type TestWorkspace,
} from '../../src/index.ts';
import { outputLines, startFake } from './start-fake.ts';

async function serving(ws: TestWorkspace, env = 'env1', extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const child = startFake(ws, env, ['--port', String(port)], extraEnv);
  const lines = outputLines(child);
  await ws.waitForEvent({ event: 'listening', env });
  return { port, child, lines };
}

const executedLine = /^Prompt executed in \d+\.\d\d seconds$/;

describe('fake ComfyUI: the queue', () => {
  it('runs one prompt at a time in order, prints got prompt / Prompt executed, records each run once', async () => {
    const ws = await createWorkspace();
    const { port, lines } = await serving(ws);
    const a = await postPrompt(port, { durationS: 0.6, label: 'a', clientId: 'me' });
    const b = await postPrompt(port, { durationS: 0.2, label: 'b' });
    expect(a).toMatchObject({ ok: true, number: 0, nodeErrors: {} });
    expect(b).toMatchObject({ ok: true, number: 1 });
    const queue = await readQueue(port);
    expect(queue.queue_running).toHaveLength(1);
    const [number, id, prompt, extra, outputs] = queue.queue_running[0] ?? [];
    expect([number, id, extra, outputs]).toEqual([0, a.ok && a.promptId, { client_id: 'me' }, ['1']]);
    expect(prompt).toEqual({ '1': { class_type: 'FakeSleep', inputs: { seconds: 0.6, label: 'a' } } });
    expect(queue.queue_pending.map((item) => item[1])).toEqual([b.ok && b.promptId]);
    await expect.poll(() => lines.filter((l) => executedLine.test(l)).length, { timeout: 10_000 }).toBe(2);
    expect(lines.filter((l) => l === 'got prompt')).toHaveLength(2);
    expect(await readQueue(port)).toEqual({ queue_running: [], queue_pending: [] });
    const record = await readFakeRecord(ws.eventsFile);
    expect(executedCounts(record)).toEqual({ a: 1, b: 1 });
    const runs = record.filter((r) => r.event === 'prompt_started' || r.event === 'prompt_executed');
    expect(runs.map((r) => `${r.event}:${r.label}`)).toEqual([
      'prompt_started:a',
      'prompt_executed:a',
      'prompt_started:b',
      'prompt_executed:b',
    ]);
    const ranFor = record.find((r) => r.event === 'prompt_executed' && r.label === 'a')?.seconds;
    expect(ranFor).toBeGreaterThanOrEqual(0.6);
  });

  it('refuses an invalid prompt with 400 and node_errors, and an unknown node as ComfyUI does', async () => {
    const ws = await createWorkspace();
    const { port, lines } = await serving(ws);
    const bad = await postPrompt(port, { durationS: 1, invalid: true, label: 'bad' });
    expect(bad).toMatchObject({
      ok: false,
      status: 400,
      error: { type: 'prompt_outputs_failed_validation' },
      nodeErrors: { '2': { class_type: 'FakeInvalid', errors: [{ type: 'value_not_in_list' }] } },
    });
    const unknown = await postPrompt(port, { prompt: { '1': { class_type: 'NoSuchNode', inputs: {} } } });
    expect(unknown).toMatchObject({
      ok: false,
      status: 400,
      error: { type: 'invalid_prompt' },
      nodeErrors: {},
    });
    const negative = await postPrompt(port, { durationS: -1 });
    expect(negative).toMatchObject({
      ok: false,
      status: 400,
      nodeErrors: { '1': { class_type: 'FakeSleep' } },
    });
    expect(await readQueue(port)).toEqual({ queue_running: [], queue_pending: [] });
    expect(lines.filter((l) => l === 'got prompt')).toHaveLength(3); // ComfyUI says it first, valid or not
    const record = await readFakeRecord(ws.eventsFile);
    expect(record.filter((r) => r.event === 'prompt_rejected').map((r) => r.label)).toEqual(['bad', null]);
    expect(record.some((r) => r.event === 'prompt_queued')).toBe(false);
  });

  it('deletes and clears pending prompts, interrupts the running one, records /free', async () => {
    const ws = await createWorkspace();
    const { port, lines } = await serving(ws);
    const running = await postPrompt(port, { durationS: 30, label: 'long' });
    const posted = [];
    for (const label of ['p1', 'p2', 'p3']) posted.push(await postPrompt(port, { durationS: 0, label }));
    const ids = posted.map((p) => (p.ok ? p.promptId : ''));
    await deleteQueued(port, [ids[1] ?? '', running.ok ? running.promptId : '']); // a running one stays
    expect((await readQueue(port)).queue_pending.map((item) => item[1])).toEqual([ids[0], ids[2]]);
    await clearQueue(port);
    const queue = await readQueue(port);
    expect(queue.queue_pending).toEqual([]);
    expect(queue.queue_running.map((item) => item[1])).toEqual([running.ok && running.promptId]);
    await interruptPrompt(port, 'not-the-running-one');
    await interruptPrompt(port);
    await ws.waitForEvent({ event: 'prompt_interrupted', label: 'long' });
    await expect.poll(() => lines.some((l) => executedLine.test(l)), { timeout: 5_000 }).toBe(true);
    expect(lines).toContain('Processing interrupted');
    await freeMemory(port);
    const record = await readFakeRecord(ws.eventsFile);
    expect(record.filter((r) => r.event === 'prompt_deleted').map((r) => [r.label, r.reason])).toEqual([
      ['p2', 'delete'],
      ['p1', 'clear'],
      ['p3', 'clear'],
    ]);
    expect(record.filter((r) => r.event === 'interrupt').map((r) => r.hit)).toEqual([false, true]);
    expect(record.find((r) => r.event === 'freed')).toMatchObject({ unload_models: true, free_memory: true });
    expect(executedCounts(record)).toEqual({});
  });
});

describe('fake ComfyUI: a prompt that holds the GIL', () => {
  /** GET /queue bounded by `timeoutMs`: 'answered' or 'silent'. */
  const answers = async (port: number, timeoutMs: number) => {
    try {
      await fetch(`http://127.0.0.1:${port}/queue`, { signal: AbortSignal.timeout(timeoutMs) });
      return 'answered';
    } catch {
      return 'silent';
    }
  };

  it('block_http: HTTP is silent while it runs, its lines still print, and HTTP answers again after', async () => {
    const ws = await createWorkspace();
    const { port, lines } = await serving(ws);
    await postPrompt(port, { durationS: 2, blockHttp: true, label: 'gil' });
    await ws.waitForEvent({ event: 'prompt_started', label: 'gil' });
    expect(await answers(port, 500)).toBe('silent');
    await expect.poll(() => lines.some((l) => executedLine.test(l)), { timeout: 10_000 }).toBe(true);
    expect(await answers(port, 2_000)).toBe('answered');
    expect(lines.filter((l) => l.includes('Traceback'))).toEqual([]); // the probe that gave up left no noise
    expect(executedCounts(await readFakeRecord(ws.eventsFile))).toEqual({ gil: 1 });
  });

  it('FAKE_COMFYUI_BLOCK_HTTP=1 makes every prompt block HTTP; --log-stdout moves the lines to stdout', async () => {
    const ws = await createWorkspace();
    const port = await freePort();
    const child = startFake(ws, 'env1', ['--port', String(port), '--log-stdout'], {
      FAKE_COMFYUI_BLOCK_HTTP: '1',
    });
    const stdout: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(...chunk.toString().split('\n')));
    await ws.waitForEvent({ event: 'listening' });
    await postPrompt(port, { durationS: 1.5 });
    await ws.waitForEvent({ event: 'prompt_started' });
    expect(await answers(port, 400)).toBe('silent');
    await expect.poll(() => stdout.some((l) => executedLine.test(l)), { timeout: 10_000 }).toBe(true);
    expect(stdout).toContain('got prompt');
  });
});
