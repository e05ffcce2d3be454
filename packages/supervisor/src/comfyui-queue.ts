import { requestJson } from './comfyui-http.ts';

/** A prompt waiting in ComfyUI's queue, with what is needed to queue it again elsewhere. */
export interface PendingPrompt {
  id: string;
  number: number;
  prompt: unknown;
  extraData: unknown;
}

/** ComfyUI's queue at one look (`GET /queue`). */
export interface QueueLook {
  running: Array<{ id: string; number: number }>;
  pending: PendingPrompt[];
}

export interface RequeueResult {
  posted: number;
  failed: Array<{ id: string; error: unknown }>;
}

/** What the supervisor asks of ComfyUI's own API about its work. */
export interface ComfyuiQueue {
  /** `GET /queue`, bounded by `timeoutMs` (default: the API's); null when it does not answer. */
  look(timeoutMs?: number): Promise<QueueLook | null>;
  /** Takes these pending prompts out of its queue (`POST /queue {"delete": [...]}`). */
  remove(ids: string[]): Promise<boolean>;
  /** Queues prompts again (`POST /prompt`), in their order. */
  requeue(prompts: PendingPrompt[]): Promise<RequeueResult>;
  /** `POST /free {"unload_models": true, "free_memory": true}`. */
  free(): Promise<boolean>;
}

function entries(value: unknown): unknown[][] {
  return Array.isArray(value) ? value.filter((e): e is unknown[] => Array.isArray(e) && e.length >= 2) : [];
}

/** Reads ComfyUI's `/queue` answer: `[number, prompt_id, prompt, extra_data, outputs]` entries. */
export function parseQueue(body: unknown): QueueLook | null {
  if (typeof body !== 'object' || body === null) return null;
  const q = body as { queue_running?: unknown; queue_pending?: unknown };
  if (!Array.isArray(q.queue_running) || !Array.isArray(q.queue_pending)) return null;
  const number = (e: unknown[]) => (typeof e[0] === 'number' ? e[0] : 0);
  return {
    running: entries(q.queue_running).map((e) => ({ id: String(e[1]), number: number(e) })),
    pending: entries(q.queue_pending)
      .map((e) => ({ id: String(e[1]), number: number(e), prompt: e[2], extraData: e[3] ?? {} }))
      .sort((a, b) => a.number - b.number),
  };
}

/** ComfyUI's queue API at `baseUrl` (`http://127.0.0.1:8188`). */
export function comfyuiQueue(baseUrl: string, timeoutMs = 5_000): ComfyuiQueue {
  const call = (method: 'GET' | 'POST', path: string, body?: unknown, ms = timeoutMs) =>
    requestJson(`${baseUrl}${path}`, method, body, { timeoutMs: ms });
  return {
    async look(ms) {
      const answer = await call('GET', '/queue', undefined, ms);
      return answer.ok && answer.status === 200 ? parseQueue(answer.body) : null;
    },
    async remove(ids) {
      if (ids.length === 0) return true;
      const answer = await call('POST', '/queue', { delete: ids });
      return answer.ok && answer.status === 200;
    },
    async requeue(prompts) {
      const result: RequeueResult = { posted: 0, failed: [] };
      for (const p of prompts) {
        const extra = (typeof p.extraData === 'object' && p.extraData) || {};
        const clientId = (extra as { client_id?: unknown }).client_id;
        const body = {
          prompt: p.prompt,
          extra_data: extra,
          ...(typeof clientId === 'string' ? { client_id: clientId } : {}),
        };
        const answer = await call('POST', '/prompt', body);
        if (answer.ok && answer.status === 200) result.posted++;
        else {
          const error = answer.ok
            ? ((answer.body as { node_errors?: unknown })?.node_errors ?? answer.body)
            : answer.error;
          result.failed.push({ id: p.id, error });
        }
      }
      return result;
    },
    async free() {
      const answer = await call('POST', '/free', { unload_models: true, free_memory: true });
      return answer.ok && answer.status === 200;
    },
  };
}
