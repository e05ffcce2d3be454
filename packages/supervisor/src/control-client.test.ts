import { describe, expect, it } from 'vitest';
import { createControlClient } from './control-client.ts';

function answering(make: () => Response): typeof fetch {
  return async () => make();
}

describe('createControlClient', () => {
  it('reads a supervisor answer', async () => {
    const client = createControlClient(
      { port: 1 },
      { fetch: answering(() => Response.json({ status: 'alive', pid: 7 })) },
    );
    expect(await client.health()).toMatchObject({ ok: true, body: { status: 'alive', pid: 7 } });
  });

  it('does not read an endless or 10 MB answer from whatever the port names', async () => {
    let sent = 0;
    const endless = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            sent += 64 * 1024;
            controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          },
        }),
      );
    const result = await createControlClient({ port: 1 }, { fetch: answering(endless) }).health();
    expect(result).toMatchObject({ ok: false, reason: 'http_error', error: 'answer too large' });
    expect(sent).toBeLessThan(2 * 1024 * 1024);

    const declared = () => new Response('x'.repeat(10 * 1024 * 1024));
    expect(await createControlClient({ port: 1 }, { fetch: answering(declared) }).status()).toMatchObject({
      ok: false,
      error: 'answer too large',
    });
  });

  it('keeps an error to one bounded string', async () => {
    const big = () => Response.json({ error: 'e'.repeat(100_000) }, { status: 500 });
    const odd = () => Response.json({ error: { nested: true } }, { status: 409 });
    const first = await createControlClient({ port: 1 }, { fetch: answering(big) }).restart();
    const second = await createControlClient({ port: 1 }, { fetch: answering(odd) }).restart();
    expect(first.ok || first.error.length).toBe(500);
    expect(second.ok || second.error).toBe('HTTP 409');
  });
});
