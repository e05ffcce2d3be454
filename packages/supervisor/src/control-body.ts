import type { IncomingMessage } from 'node:http';

/** The largest request body read by default (the API's bodies are a few bytes). */
export const MAX_BODY_BYTES = 65_536;

/** A body over the limit: answered 413, and the rest is drained, never kept. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'BODY_TOO_LARGE';
}

/**
 * The request body as text, at most `max` bytes: a declared Content-Length over it is refused
 * before reading, and a body that grows past it stops being kept (the rest is drained).
 */
export function readBody(req: IncomingMessage, max: number = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return reject(new BodyTooLargeError(`the body declares ${declared} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(`the body is over ${max} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
