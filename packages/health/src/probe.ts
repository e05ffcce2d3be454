import { connect } from 'node:net';

export type ProbeResult =
  | { ok: true }
  | { ok: false; reason: 'refused' | 'timeout' | 'http_status' | 'error'; detail?: string };

function failure(error: NodeJS.ErrnoException): ProbeResult {
  if (error.code === 'ECONNREFUSED') return { ok: false, reason: 'refused', detail: error.message };
  if (error.code === 'ETIMEDOUT') return { ok: false, reason: 'timeout', detail: error.message };
  return { ok: false, reason: 'error', detail: error.message };
}

/** Can a TCP connection be made within `timeoutMs`? Never throws. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ ok: false, reason: 'timeout', detail: `no connection within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error) => done(failure(error)));
  });
}

/**
 * Does `url` answer a GET with a 2xx status within `timeoutMs`? Never throws. `signal` ends it early
 * (a timeout); with `timeoutMs` Infinity only the signal does, and the probe sets no timer: a
 * caller that checks on a beat of its own (liveness) then costs no extra wake-up for each probe. A plain TCP socket
 * that sends one `GET … HTTP/1.1` with `Connection: close` and reads only the status line: all a
 * probe needs, and node:http's client machinery would cost the supervisor ~1.7 MB of RSS and
 * twice the CPU per probe (measured: 1.9-2.8 ms against 0.9 ms).
 */
export function probeHttp(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ ok: false, reason: 'error', detail: `not a URL: ${url.slice(0, 200)}` });
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const port = Number(target.port || 80);
    const socket = connect({ host, port });
    let head = '';
    let settled = false;
    const timedOut = () =>
      finish({ ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` });
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', timedOut);
      socket.destroy();
      resolve(result);
    };
    // no timer for an endless limit: the caller bounds the probe through `signal`
    const timer = Number.isFinite(timeoutMs) ? setTimeout(timedOut, timeoutMs) : undefined;
    if (signal?.aborted) timedOut();
    signal?.addEventListener('abort', timedOut, { once: true });
    socket.setEncoding('latin1');
    socket.once('connect', () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: comfyvisor-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: string) => {
      head += chunk;
      const end = head.indexOf('\r\n');
      if (end === -1 && head.length < 1024) return;
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
      if (!match) return finish({ ok: false, reason: 'error', detail: 'not an HTTP answer' });
      const status = Number(match[1]);
      finish(
        status >= 200 && status < 300
          ? { ok: true }
          : { ok: false, reason: 'http_status', detail: `HTTP ${status}` },
      );
    });
    socket.once('end', () => finish({ ok: false, reason: 'error', detail: 'closed without an answer' }));
    socket.once('error', (error) => finish(failure(error)));
  });
}
