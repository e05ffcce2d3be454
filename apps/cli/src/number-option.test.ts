import { describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';
import { numberOption } from './number-option.ts';

describe('number options', () => {
  it('takes numbers in range, refuses the rest with a reason', () => {
    const seconds = numberOption({ min: 1, max: 600 });
    expect(seconds('2.5')).toBe(2.5);
    for (const bad of ['abc', '', 'NaN', '1e99', '-1', '0', 'Infinity'])
      expect(() => seconds(bad), bad).toThrow(/expected a number/);
    expect(() => numberOption({ min: 0, max: 10, integer: true })('1.5')).toThrow(/whole number/);
  });

  it('`switch --timeout abc` and `stop --timeout abc` exit 2 with one line, before doing anything', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['switch', 'env2', '--timeout', 'abc'])).toBe(2);
      expect(await main(['stop', '--timeout', 'abc'])).toBe(2);
      expect(await main(['logs', '-n', '1.5'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    const text = written.join('');
    expect(text).toMatch(/option '--timeout <seconds>' argument 'abc' is invalid\. expected a number/);
    expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});
