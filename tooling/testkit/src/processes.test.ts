import { describe, expect, it } from 'vitest';
import { isAlive, waitFor } from './processes.ts';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 })).toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('nope');
        },
        { timeoutMs: 20, intervalMs: 5, message: 'the moon' },
      ),
    ).rejects.toThrow(/waiting for the moon \(last error: nope\)/);
  });
});

describe('isAlive', () => {
  it('knows this process is alive and a pid beyond pid_max is not', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(4_194_305)).toBe(false);
  });
});
