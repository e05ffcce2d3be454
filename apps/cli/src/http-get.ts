/** The most of an answer that is read: whatever `.control_port` names may send anything. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export type JsonAnswer =
  | { ok: true; body: Record<string, unknown> }
  | {
      ok: false;
      reason: 'unreachable' | 'timeout' | 'too_large' | 'http_status' | 'not_json';
      /** Short, for a line such as "the control API on port N did not answer /health (…)". */
      detail: string;
    };

/**
 * The CLI's one GET of a JSON object from a localhost URL: bounded in time (the whole exchange,
 * not only an idle socket) and in size (at most `maxBytes` of the body are read, then the
 * connection is cut). Never throws. node:http rather than fetch: loading fetch (undici) costs ~40
 * ms, which quick commands and probes do not have; and node:http is imported on the first call
 * only (~3 ms), so `status` without a supervisor does not pay for it.
 */
export async function getJson(
  url: string,
  timeoutMs: number,
  maxBytes = MAX_ANSWER_BYTES,
): Promise<JsonAnswer> {
  const { get } = await import('node:http');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: JsonAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const fail = (reason: Exclude<JsonAnswer, { ok: true }>['reason'], detail: string) =>
      finish({ ok: false, reason, detail });
    const timer = setTimeout(
      () => fail('timeout', `no complete answer within ${Math.max(1, timeoutMs)} ms`),
      Math.max(1, timeoutMs),
    );
    const req = get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const tooLarge = () => fail('too_large', `the answer is larger than ${maxBytes} bytes`);
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > maxBytes) return tooLarge();
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return fail('http_status', `HTTP ${res.statusCode}`);
        finish(parseObject(Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', (error) => fail('unreachable', error.message));
    });
    req.on('error', (error) => fail('unreachable', error.message));
  });
}

function parseObject(text: string): JsonAnswer {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return { ok: true, body: parsed as Record<string, unknown> };
  } catch {
    // below
  }
  return { ok: false, reason: 'not_json', detail: 'the answer is not a JSON object' };
}
