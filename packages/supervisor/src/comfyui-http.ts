import { connect } from 'node:net';

export type JsonAnswer = { ok: true; status: number; body: unknown } | { ok: false; error: string };

/**
 * One HTTP/1.1 request to ComfyUI with a JSON body and answer, over a plain socket with
 * `Connection: close` (node:http's client would cost the supervisor more memory than all its other
 * talk to ComfyUI). Bounded in time and size; never throws.
 */
export function requestJson(
  url: string,
  method: 'GET' | 'POST',
  body: unknown,
  options: { timeoutMs: number; maxBytes?: number | undefined },
): Promise<JsonAnswer> {
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve) => {
    const target = new URL(url);
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const socket = connect({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: Number(target.port || 80),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (answer: JsonAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: `no answer within ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
    socket.once('connect', () => {
      const head = [
        `${method} ${target.pathname}${target.search} HTTP/1.1`,
        `Host: ${target.host}`,
        'User-Agent: comfyvisor',
        'Accept: application/json',
        'Connection: close',
        ...(payload ? ['Content-Type: application/json', `Content-Length: ${payload.length}`] : []),
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      if (payload) socket.write(payload);
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return finish({ ok: false, error: `answer larger than ${maxBytes} bytes` });
      chunks.push(chunk);
    });
    socket.once('error', (error) => finish({ ok: false, error: error.message }));
    socket.once('end', () => finish(parseAnswer(Buffer.concat(chunks))));
  });
}

function parseAnswer(raw: Buffer): JsonAnswer {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return { ok: false, error: 'not an HTTP answer' };
  const head = raw.subarray(0, end).toString('latin1');
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
  if (!match) return { ok: false, error: 'not an HTTP answer' };
  let payload = raw.subarray(end + 4);
  if (/^transfer-encoding:\s*chunked/im.test(head)) payload = unchunk(payload);
  const text = payload.toString('utf8');
  try {
    return { ok: true, status: Number(match[1]), body: text.trim() === '' ? null : JSON.parse(text) };
  } catch {
    return { ok: true, status: Number(match[1]), body: text.slice(0, 500) };
  }
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const length = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(length) || length <= 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + length));
    at = lineEnd + 2 + length + 2;
  }
  return Buffer.concat(parts);
}
