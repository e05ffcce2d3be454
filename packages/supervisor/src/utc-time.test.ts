import { describe, expect, it } from 'vitest';
import { httpDate, isoTime } from './utc-time.ts';

// Leap days, century rules, month and year ends, the epoch, and a spread of random instants.
const FIXED = [
  0, -1, 86_399_999, 951_782_400_000, 951_868_799_999, 978_307_199_999, 1_709_164_800_123, 4_102_444_799_999,
  -2_208_988_800_000, 253_402_300_799_999,
];

describe('utc time', () => {
  it('formats like Date#toISOString and Date#toUTCString', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const instants = [
      ...FIXED,
      ...Array.from({ length: 2000 }, () => Math.floor(random() * 253_402_300_799_999)),
    ];
    for (const ms of instants) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
    }
  });

  it('drops fractions of a millisecond as Date does', () => {
    expect(isoTime(1_709_164_800_123.9)).toBe('2024-02-29T00:00:00.123Z');
  });
});
