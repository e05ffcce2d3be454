import { request as httpRequest } from 'node:http';
import type { HookOutcome } from './hook-command.ts';

export interface PostHookOptions {
  /** The request is abandoned after this long. */
  timeoutMs: number;
  /** Aborting abandons it at once (the runner's `stop()`). */
  signal: AbortSignal;
}

/**
 * Runs a `{"url": "http(s)://..."}` hook: POSTs `body` (the event as JSON) with
 * `content-type: application/json`, on a connection of its own (no keep-alive socket outlives it).
 * Any 2xx answer is success; redirects are not followed.
 */
export async function postHook(url: string, body: string, options: PostHookOptions): Promise<HookOutcome> {
  const target = new URL(url);
  // node:https (tls, crypto) is loaded for the first https hook only: it costs every supervisor
  // ~1 MB and ~8 ms of its start otherwise
  const send = target.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: HookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const req = send(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'comfyvisor-hook',
        },
      },
      (res) => {
        res.resume(); // the answer's body is not wanted
        const status = res.statusCode ?? 0;
        res.on('end', () => settle(status >= 200 && status < 300 ? null : `answered HTTP ${status}`));
        res.on('error', (error) => settle(error.message.slice(0, 200)));
      },
    );
    const timer = setTimeout(() => {
      settle(`no answer after ${options.timeoutMs / 1000} s`);
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      settle('stopped with the supervisor');
      req.destroy();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'request failed';
      settle((error.message.includes(code) ? error.message : `${code}: ${error.message}`).slice(0, 200));
    });
    req.end(body);
  });
}
