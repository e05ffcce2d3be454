// What the drain, requeue and busy-not-hung tests share: the supervisor's own events
// (.metadata/events.jsonl), waits on them, and a fake ComfyUI's prompts seen from its record.
import { readEvents } from '@comfyvisor/ipc-files';
import { type FakeEvent, httpJson, postPrompt, type TestWorkspace } from '@comfyvisor/testkit';
import { expect, vi } from 'vitest';
import type { Running } from './helpers.ts';

/** A line of events.jsonl, as ipc-files reads it. */
type SupervisorEvent = Awaited<ReturnType<typeof readEvents>>['events'][number];

/** The supervisor's events of one type, oldest first. */
export async function supervisorEvents(ws: TestWorkspace, type: string): Promise<SupervisorEvent[]> {
  return (await readEvents(ws.metadataDir)).events.filter((e) => e.type === type);
}

/** Waits for the first supervisor event of `type` (matching `fields`), and returns it. */
export function waitForSupervisorEvent(
  ws: TestWorkspace,
  type: string,
  fields: Record<string, unknown> = {},
  timeoutMs = 20_000,
): Promise<SupervisorEvent> {
  return vi.waitFor(
    async () => {
      const all = await supervisorEvents(ws, type);
      const found = all.find((e) => Object.entries(fields).every(([k, v]) => e[k] === v));
      expect(
        found,
        `supervisor event ${type} ${JSON.stringify(fields)}; seen: ${JSON.stringify(all)}`,
      ).toBeDefined();
      return found as SupervisorEvent;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}

/** Queues a prompt of `durationS` seconds on the running fake; returns its id. */
export async function queuePrompt(
  run: Running,
  label: string,
  durationS: number,
  options: { blockHttp?: boolean } = {},
): Promise<string> {
  const answer = await postPrompt(run.port, { durationS, label, ...options });
  if (!answer.ok) throw new Error(`POST /prompt ${label} answered ${answer.status}`);
  return answer.promptId;
}

/** The fake's record line for `label`'s `event` (prompt_started, prompt_executed, ...). */
export function promptEvent(ws: TestWorkspace, event: string, label: string, timeoutMs = 20_000) {
  return ws.waitForEvent({ event, label }, { timeoutMs });
}

/** The fake's record lines of `event` for `label`, from its record as it is now. */
export async function promptEvents(ws: TestWorkspace, event: string, label: string): Promise<FakeEvent[]> {
  return (await ws.events()).filter((e) => e.event === event && e.label === label);
}

/** Waits until the supervisor has seen ComfyUI's queue hold `running` and `pending` prompts (its log). */
export function waitUntilSeenBusy(run: Running, timeoutMs = 10_000): Promise<void> {
  return vi.waitFor(
    () => expect(run.stderr(), 'the supervisor to see the prompt (got prompt)').toMatch(/got prompt/),
    { timeout: timeoutMs, interval: 20 },
  );
}

/** POST to the control API (`/restart`, `/kill`) with an optional JSON body. */
export function postControl(run: Running, path: string, body?: unknown) {
  return httpJson(`${run.controlUrl}${path}`, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

/** Waits until the supervisor's last look at ComfyUI's queue saw `running` and `pending` (GET /metrics). */
export function waitForQueueSeen(run: Running, running: number, pending: number, timeoutMs = 10_000) {
  return vi.waitFor(
    async () => {
      const response = await fetch(`${run.controlUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      expect(text, 'the queue at the last look').toContain(`comfyvisor_queue_running ${running}\n`);
      expect(text, 'the queue at the last look').toContain(`comfyvisor_queue_pending ${pending}\n`);
    },
    { timeout: timeoutMs, interval: 50 },
  );
}
