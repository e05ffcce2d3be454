import { describe, expect, it } from 'vitest';
import { createKeyGuard, defaultFailureDelay } from './auth.ts';

describe('key guard', () => {
  it('tells a missing header from a wrong key, Bearer matched case-sensitively', () => {
    const guard = createKeyGuard('cg_wk_secret');
    expect(guard.check('Bearer cg_wk_secret', 'a')).toEqual({ ok: true });
    expect(guard.check(undefined, 'a')).toMatchObject({ ok: false, error: 'Missing authorization' });
    expect(guard.check('bearer cg_wk_secret', 'a')).toMatchObject({
      ok: false,
      error: 'Missing authorization',
    });
    expect(guard.check('Bearer cg_wk_secre', 'a')).toMatchObject({ ok: false, error: 'Invalid API key' });
    expect(guard.check('Bearer cg_wk_secretx', 'a')).toMatchObject({ ok: false, error: 'Invalid API key' });
  });

  it('answers repeated failures of one client ever more slowly; a success resets it', () => {
    const guard = createKeyGuard('k', (n) => n * 100);
    const delays = [1, 2, 3].map(() => (guard.check('Bearer x', '10.0.0.1') as { delayMs: number }).delayMs);
    expect(delays).toEqual([100, 200, 300]);
    expect((guard.check('Bearer x', '10.0.0.2') as { delayMs: number }).delayMs).toBe(100);
    guard.check('Bearer k', '10.0.0.1');
    expect((guard.check('Bearer x', '10.0.0.1') as { delayMs: number }).delayMs).toBe(100);
  });

  it('the default policy: free for 3 failures, then 250 ms doubling up to 5 s', () => {
    expect([1, 3, 4, 5, 6, 20].map(defaultFailureDelay)).toEqual([0, 0, 250, 500, 1000, 5000]);
  });
});
