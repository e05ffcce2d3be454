import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.ts';

describe('OutputTail', () => {
  it('keeps the last lines, with the unfinished one', () => {
    const tail = new OutputTail(2);
    tail.push('one\ntwo\r\nthr');
    tail.push('ee\nfour');
    expect(tail.last()).toEqual(['three', 'four']);
    expect(tail.last(5)).toEqual(['two', 'three', 'four']);
  });

  it('bounds a line that never ends (10 MB without a newline) and keeps its end', () => {
    const tail = new OutputTail(50);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 160; i++) tail.push(chunk);
    tail.push('the end');
    const [unfinished] = tail.last();
    expect(unfinished?.length).toBeLessThanOrEqual(4097);
    expect(unfinished?.endsWith('xthe end')).toBe(true);
    tail.push('\nTraceback: boom\n');
    const lines = tail.last();
    expect(lines.every((line) => line.length <= 4097)).toBe(true);
    expect(lines.at(-1)).toBe('Traceback: boom');
  });

  it('bounds each finished line too', () => {
    const tail = new OutputTail(3);
    tail.push(`${'y'.repeat(1024 * 1024)}\nnext\n`);
    expect(tail.last().map((line) => line.length)).toEqual([4097, 4]);
  });
});
