import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendEvent } from '@comfyvisor/ipc-files';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { createBridgeApp } from './app.ts';
import { comfyuiAddress, logTail, timelineEntry } from './dashboard-state.ts';

const workspace = () => tempWorkspace({ prefix: 'comfyvisor-stream-unit-' });

/** Reads server-sent events off a streaming response, one `{event, data}` at a time. */
function sseReader(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: Record<string, unknown> }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) return { event, data: JSON.parse(data) };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    async until(event: string) {
      for (;;) {
        const message = await this.next();
        if (message.event === event) return message.data;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('GET /v2/comfygit/dashboard/stream', () => {
  it('sends the history (damaged lines skipped and counted), the state, then each new event once', async () => {
    const ws = workspace();
    const dir = join(ws, '.metadata');
    appendFileSync(
      join(dir, 'events.jsonl'),
      '{"time": 100.0, "type": "supervisor_start", "env": "env1", "pid": 4}\n{"time": 101.0, "type": "rest\n',
    );
    const app = createBridgeApp({ workspace: ws });
    const response = await app.request('/v2/comfygit/dashboard/stream', {
      headers: { host: '127.0.0.1:8000' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = sseReader(response);
    try {
      // First the week the history pictures are drawn from (time 100 is long before it), then the timeline.
      const availability = await sse.next();
      expect(availability).toEqual({
        event: 'availability',
        data: { events: [], nowMs: expect.any(Number) },
      });
      const history = await sse.next();
      expect(history).toEqual({
        event: 'history',
        data: {
          reset: true,
          skipped: 1,
          events: [
            {
              time: 100,
              type: 'supervisor_start',
              env: 'env1',
              pid: 4,
              kind: 'supervisor',
              text: 'supervisor started (pid 4) with env1',
            },
          ],
        },
      });
      const state = await sse.until('state');
      expect(state).toMatchObject({
        health: null,
        switch: { state: 'idle' },
        environments: ['env1', 'env2'],
        log: { file: null, lines: [] },
      });
      // No supervisor reports ComfyUI's memory (none runs): the memory picture starts empty.
      expect(await sse.next()).toEqual({ event: 'memory', data: { reset: true, samples: [] } });
      // Two at the same time (a restart right after an exit): both arrive, once each.
      await appendEvent(
        dir,
        { type: 'comfyui_exit', env: 'env1', pid: 5, code: 1, signal: null, meaning: 'crash' },
        { now: () => 200_000 },
      );
      await appendEvent(dir, { type: 'restart', env: 'env1', reason: 'crash' }, { now: () => 200_000 });
      const seen: unknown[] = [];
      while (seen.length < 2) seen.push(...((await sse.until('history')).events as unknown[]));
      expect(seen).toMatchObject([
        { type: 'comfyui_exit', kind: 'crash', text: 'ComfyUI exited in env1 (pid 5, exit code 1): a crash' },
        { type: 'restart', kind: 'restart', text: 'restarting env1: after a crash' },
      ]);
      writeFileSync(join(dir, 'comfyui.log'), 'hello\n');
      expect(await sse.until('state')).toMatchObject({ log: { file: 'comfyui.log', lines: ['hello'] } });
    } finally {
      await sse.cancel();
    }
  });
});

describe('dashboard state', () => {
  it('draws switches by outcome and leaves details off', () => {
    const entry = (e: Record<string, unknown>) => timelineEntry({ time: 1, ...e } as never).kind;
    expect(entry({ type: 'switch_end', outcome: 'complete', durationMs: 1 })).toBe('switch-ok');
    expect(entry({ type: 'switch_end', outcome: 'critical_failure', durationMs: 1 })).toBe('switch-bad');
    expect(entry({ type: 'comfyui_exit', meaning: 'restart' })).toBe('detail');
    expect(entry({ type: 'hung' })).toBe('hang');
    expect(entry({ type: 'health', healthy: true, afterMs: 3 })).toBe('detail');
  });

  it("finds ComfyUI's address in .startup_state.json, else the config, and reads only the log's end", async () => {
    const ws = workspace();
    const dir = join(ws, '.metadata');
    expect(await comfyuiAddress(ws)).toBeNull();
    writeFileSync(join(dir, 'orchestrator_config.json'), '{"comfyui": {"default_port": 8190}}');
    // a loopback host: the page links to its own host
    expect(await comfyuiAddress(ws)).toEqual({ host: null, port: 8190 });
    writeFileSync(
      join(dir, '.startup_state.json'),
      JSON.stringify({ argv: ['main.py', '--listen', '0.0.0.0', '--port', '9000'], port: 9001 }),
    );
    expect(await comfyuiAddress(ws)).toEqual({ host: null, port: 9001 });
    // read as ComfyUI reads its args (health's comfyuiAddress): `--port=N` and `--listen=H` count
    writeFileSync(
      join(dir, '.startup_state.json'),
      JSON.stringify({ argv: ['main.py', '--listen=10.1.2.3', '--port=9002'] }),
    );
    expect(await comfyuiAddress(ws)).toEqual({ host: '10.1.2.3', port: 9002 });
    writeFileSync(join(dir, 'comfyui.log'), `${'x'.repeat(100_000)}\n${'line\n'.repeat(10)}last\n`);
    expect(await logTail(ws, 3)).toEqual({ file: 'comfyui.log', lines: ['line', 'line', 'last'] });
  });
});
