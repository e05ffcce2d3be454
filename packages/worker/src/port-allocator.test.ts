import { describe, expect, it } from 'vitest';
import { createPortAllocator, parsePortRange } from './port-allocator.ts';

describe('port allocator', () => {
  it('hands out the lowest free port, end excluded, and a released port again at once', () => {
    const ports = createPortAllocator({ start: 8200, end: 8203 });
    expect([ports.allocate('a'), ports.allocate('b'), ports.allocate('c')]).toEqual([8200, 8201, 8202]);
    expect(() => ports.allocate('d')).toThrow(expect.objectContaining({ code: 'NO_PORT', status: 503 }));
    expect(ports.allocate('b')).toBe(8201); // an owner keeps its port
    ports.release('b');
    expect(ports.available()).toBe(1);
    expect(ports.allocate('d')).toBe(8201);
    expect(ports.allocated()).toEqual([8200, 8202, 8201]);
  });

  it('adopts ports from the state file, also outside the range, never twice', () => {
    const ports = createPortAllocator({ start: 8200, end: 8202 });
    expect(ports.adopt('a', 8201)).toBe(true);
    expect(ports.adopt('b', 8201)).toBe(false);
    expect(ports.adopt('c', 9000)).toBe(true);
    expect(ports.adopt('d', 70_000)).toBe(false);
    expect(ports.available()).toBe(1);
    expect(ports.allocate('e')).toBe(8200);
  });

  it.each([
    ['8200:8210', { start: 8200, end: 8210 }],
    ['8200', { start: 8200, end: 8210 }],
    ['8210:8200', null],
    ['a:b', null],
    ['0:10', null],
    ['65530:70000', null],
  ])('--port-range %s', (text, range) => {
    expect(parsePortRange(text)).toEqual(range);
  });
});
