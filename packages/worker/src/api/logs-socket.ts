import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Worker } from '../worker.ts';
import type { KeyGuard } from './auth.ts';

const LOGS_PATH = /^\/api\/v1\/instances\/([^/?#]+)\/logs$/;
const REPLAY_LINES = 1000;

function refuse(socket: Duplex, status: string, type: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The logs WebSocket (`GET /api/v1/instances/{id}/logs` + Upgrade): the key is checked before the
 * handshake (401, with the same slowdown as HTTP); then the last lines are replayed and each new
 * line is pushed as it is written, as `{"type":"log","timestamp","level":"INFO","message"}`,
 * across restarts, until the client leaves or the instance is deleted.
 */
export function createLogsSocket(
  worker: Worker,
  guard: KeyGuard,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
) {
  // `ws` is loaded at the first log socket: a worker nobody follows does not carry it (~3 MB)
  let wss: WebSocketServer | null = null;
  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const path = (request.url ?? '').split('?')[0] ?? '';
    const auth = guard.check(request.headers.authorization, request.socket.remoteAddress ?? 'unknown');
    if (!auth.ok) {
      if (auth.delayMs > 0) await sleep(auth.delayMs);
      return refuse(socket, '401 Unauthorized', 'application/json', JSON.stringify({ error: auth.error }));
    }
    const id = LOGS_PATH.exec(path)?.[1];
    const log = id ? worker.log(decodeURIComponent(id)) : null;
    if (!log) return refuse(socket, '404 Not Found', 'text/plain', 'Instance not found');
    wss ??= new (await import('ws')).WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    wss.handleUpgrade(request, socket, head, (ws) => {
      const send = (message: string) => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify({ type: 'log', timestamp: new Date().toISOString(), level: 'INFO', message }));
      };
      let pending: string[] | null = []; // lines that come while the replay is read, sent after it
      const unsubscribe = log.subscribe((line) => (pending ? pending.push(line) : send(line)));
      void log.tail(REPLAY_LINES).then((lines) => {
        for (const line of lines) send(line);
        const held = pending ?? [];
        pending = null;
        for (const line of held) send(line);
      });
      const watch = setInterval(() => {
        if (!worker.log(id ?? '')) ws.close(1000, 'instance deleted');
      }, 1_000);
      watch.unref();
      ws.on('close', () => {
        clearInterval(watch);
        unsubscribe();
      });
      ws.on('error', () => ws.terminate());
    });
  };
  return {
    onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      void onUpgrade(request, socket, head),
    close: () => {
      for (const client of wss?.clients ?? []) client.terminate();
      wss?.close();
    },
  };
}
