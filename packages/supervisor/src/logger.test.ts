import { describe, expect, it } from 'vitest';
import { createConsoleLogger } from './logger.ts';

describe('createConsoleLogger', () => {
  it('writes [comfyvisor] text lines from the level up', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger('info', (l) => lines.push(l));
    logger.debug('hidden');
    logger.info('started');
    logger.warn('slow');
    logger.error('broken');
    expect(lines).toEqual([
      '[comfyvisor] started\n',
      '[comfyvisor] warning: slow\n',
      '[comfyvisor] error: broken\n',
    ]);
  });

  it('writes one JSON object a line with log_format json, messages escaped', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger('debug', (l) => lines.push(l), {
      format: 'json',
      now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 600),
    });
    logger.debug('a "quoted"\nmulti-line message');
    logger.warn('w');
    expect(lines.every((l) => l.endsWith('}\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: '2030-01-02T03:04:05.600Z', level: 'debug', msg: 'a "quoted"\nmulti-line message' },
      { time: '2030-01-02T03:04:05.600Z', level: 'warn', msg: 'w' },
    ]);
  });

  it('an unknown level means debug and up', () => {
    const lines: string[] = [];
    createConsoleLogger('loud', (l) => lines.push(l)).debug('x');
    expect(lines).toEqual(['[comfyvisor] debug: x\n']);
  });
});
