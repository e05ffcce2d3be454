import { get } from 'node:http';

/**
 * GET a JSON object from a localhost URL within `timeoutMs`: the parsed body of a 200, or null
 * (refused, timed out, another status, not JSON). node:http rather than fetch: loading fetch costs
 * ~40 ms, which quick commands and probes do not have.
 */
export function getJson(url: string, timeoutMs: number): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: Record<string, unknown> | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(null), Math.max(1, timeoutMs));
    const req = get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 1_000_000) finish(null);
      });
      res.on('end', () => {
        try {
          const parsed: unknown = JSON.parse(body);
          const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
          finish(res.statusCode === 200 && isObject ? (parsed as Record<string, unknown>) : null);
        } catch {
          finish(null);
        }
      });
      res.on('error', () => finish(null));
    });
    req.on('error', () => finish(null));
  });
}
