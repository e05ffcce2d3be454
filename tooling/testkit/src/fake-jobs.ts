// Typed clients of the fake ComfyUI's job server (fake-comfyui/fake_jobs.py) and of its records.
import { readFile } from 'node:fs/promises';

/** ComfyUI's queue item: `[number, prompt_id, prompt, extra_data, outputs_to_execute]`. */
export type QueueItem = [number, string, Record<string, unknown>, Record<string, unknown>, string[]];

/** `GET /queue`. */
export interface FakeQueue {
  queue_running: QueueItem[];
  queue_pending: QueueItem[];
}

/** What a fake prompt does (one `FakeSleep` node; `invalid` adds a `FakeInvalid` node). */
export interface FakePromptOptions {
  /** How long the prompt runs. @default 0 */
  durationS?: number;
  /** Stop answering HTTP while it runs (a custom node holding the GIL). @default false */
  blockHttp?: boolean;
  /** Copied into the fake's records, so the prompt can be found after a re-post. */
  label?: string;
  /** Fail validation: `POST /prompt` answers 400 with `node_errors`. @default false */
  invalid?: boolean;
}

/** The body of `POST /prompt`, with the prompt built from `options` unless `prompt` is given. */
export interface PostPromptOptions extends FakePromptOptions {
  prompt?: Record<string, unknown>;
  promptId?: string;
  clientId?: string;
  extraData?: Record<string, unknown>;
  host?: string;
}

export type PostPromptAnswer =
  | { ok: true; status: 200; promptId: string; number: number; nodeErrors: Record<string, unknown> }
  | { ok: false; status: number; error: unknown; nodeErrors: Record<string, unknown> };

/** One line of the fake's events file (the JSON-lines record), with its 0-based position. */
export interface FakeRecord {
  event: string;
  pid: number;
  env: string | null;
  time: number;
  index: number;
  prompt_id?: string | null;
  number?: number;
  label?: string | null;
  [key: string]: unknown;
}

/** A ComfyUI prompt (nodes by id) that the fake runs for `durationS` seconds. */
export function fakePrompt(options: FakePromptOptions = {}): Record<string, unknown> {
  const inputs: Record<string, unknown> = { seconds: options.durationS ?? 0 };
  if (options.blockHttp) inputs.block_http = true;
  if (options.label !== undefined) inputs.label = options.label;
  const prompt: Record<string, unknown> = { '1': { class_type: 'FakeSleep', inputs } };
  if (options.invalid) prompt['2'] = { class_type: 'FakeInvalid', inputs: {} };
  return prompt;
}

const base = (port: number, host = '127.0.0.1') => `http://${host}:${port}`;

async function post(port: number, path: string, body: unknown, host?: string) {
  const response = await fetch(`${base(port, host)}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

/** `POST /prompt`: queues a prompt on the fake (or any ComfyUI). */
export async function postPrompt(port: number, options: PostPromptOptions = {}): Promise<PostPromptAnswer> {
  const body: Record<string, unknown> = { prompt: options.prompt ?? fakePrompt(options) };
  if (options.promptId !== undefined) body.prompt_id = options.promptId;
  if (options.clientId !== undefined) body.client_id = options.clientId;
  if (options.extraData !== undefined) body.extra_data = options.extraData;
  const answer = await post(port, '/prompt', body, options.host);
  const nodeErrors = (answer.body.node_errors ?? {}) as Record<string, unknown>;
  if (answer.status === 200) {
    return { ok: true, status: 200, promptId: answer.body.prompt_id, number: answer.body.number, nodeErrors };
  }
  return { ok: false, status: answer.status, error: answer.body.error, nodeErrors };
}

/** `GET /queue`. */
export async function readQueue(port: number, host?: string): Promise<FakeQueue> {
  const response = await fetch(`${base(port, host)}/queue`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET /queue answered ${response.status}`);
  return (await response.json()) as FakeQueue;
}

/** `POST /queue {"delete": ids}` (pending prompts only). */
export async function deleteQueued(port: number, promptIds: string[]): Promise<void> {
  await post(port, '/queue', { delete: promptIds });
}

/** `POST /queue {"clear": true}`. */
export async function clearQueue(port: number): Promise<void> {
  await post(port, '/queue', { clear: true });
}

/** `POST /interrupt` (only `promptId` when given). */
export async function interruptPrompt(port: number, promptId?: string): Promise<void> {
  await post(port, '/interrupt', promptId === undefined ? {} : { prompt_id: promptId });
}

/** `POST /free`. */
export async function freeMemory(
  port: number,
  options: { unloadModels?: boolean; freeMemory?: boolean } = { unloadModels: true, freeMemory: true },
): Promise<void> {
  await post(port, '/free', { unload_models: !!options.unloadModels, free_memory: !!options.freeMemory });
}

/** `POST /fake/print`: the fake prints `line` now. */
export async function printOnFake(port: number, line: string, stream: 'stdout' | 'stderr' = 'stdout') {
  await post(port, '/fake/print', { line, stream });
}

/** `POST /fake/grow`: the fake's resident memory grows by `mb` MB; answers its RSS in MB. */
export async function growFake(port: number, mb: number): Promise<number | null> {
  return (await post(port, '/fake/grow', { mb })).body.rss_mb ?? null;
}

/** Reads a fake's JSON-lines record (its events file); a missing file is an empty record. */
export async function readFakeRecord(path: string): Promise<FakeRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.flatMap((line, index) => {
    try {
      return [{ ...(JSON.parse(line) as FakeRecord), index }];
    } catch {
      return []; // a line cut short by a kill
    }
  });
}

/** How often each label (or prompt id) ran to its end, from a record: `{ a: 1, b: 1 }`. */
export function executedCounts(record: FakeRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of record) {
    if (line.event !== 'prompt_executed') continue;
    const key = line.label ?? line.prompt_id ?? '?';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
