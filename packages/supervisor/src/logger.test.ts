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

  it('escapes what a message quotes: control bytes, newlines, C1, separators, lone surrogates', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger('info', (l) => lines.push(l));
    logger.warn('.switch_status.json: ignored, "{\u0000\u0001\u001b[31m\tx\r\ny\u007f\u0085\u2028\ud800z"');
    logger.info('plain ascii, é and 🙂 stay as they are');
    expect(lines).toEqual([
      '[comfyvisor] warning: .switch_status.json: ignored, "{\\x00\\x01\\x1b[31m\\x09x\\x0d\\x0ay\\x7f\\x85\\u2028\\ud800z"\n',
      '[comfyvisor] plain ascii, é and 🙂 stay as they are\n',
    ]);
    // One line each, nothing grep would call binary or a terminal would act on.
    const controls = (line: string) =>
      [...line.slice(0, -1)].filter((c) => (c.codePointAt(0) ?? 0) < 0x20 || /[\x7f-\x9f]/.test(c));
    for (const line of lines) expect(controls(line)).toEqual([]);
  });
});
