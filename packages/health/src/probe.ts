import { request } from 'node:http';
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

/** Does `url` answer a GET with a 2xx status within `timeoutMs`? Never throws. */
export function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request(url, { method: 'GET', agent: false, headers: { connection: 'close' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish(
        status >= 200 && status < 300
          ? { ok: true }
          : { ok: false, reason: 'http_status', detail: `HTTP ${status}` },
      );
    });
    const timer = setTimeout(
      () => finish({ ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    req.once('error', (error) => finish(failure(error)));
    req.end();
  });
}
