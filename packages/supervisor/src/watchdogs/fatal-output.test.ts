import { DEFAULT_CONFIG } from '@comfyvisor/ipc-files';
import { describe, expect, it } from 'vitest';
import { createFatalOutputMatcher } from './fatal-output.ts';

const CUDA = 'CUDA error: an illegal memory access was encountered';
const defaults = () => createFatalOutputMatcher(DEFAULT_CONFIG.orchestrator.fatalOutputPatterns);

describe('fatal output matcher', () => {
  it('finds the default CUDA lines, whole, among ordinary output', () => {
    const m = defaults();
    expect(m.push('got prompt\nSampling 3/20\n')).toBeNull();
    expect(m.push(`Traceback (most recent call last):\nRuntimeError: ${CUDA}\nCUDA kernel errors\n`)).toBe(
      `RuntimeError: ${CUDA}`,
    );
    expect(m.matched).toBe(`RuntimeError: ${CUDA}`);
    const assert = defaults();
    expect(assert.push('torch.AcceleratorError: CUDA error: device-side assert triggered\n')).toMatch(
      /device-side assert/,
    );
  });

  it('joins a line split across chunks, and does not match before the line is whole', () => {
    const m = defaults();
    expect(m.push('RuntimeError: CUDA error: an illegal mem')).toBeNull();
    expect(m.push('ory access was encount')).toBeNull();
    expect(m.push('ered\nnext')).toBe(`RuntimeError: ${CUDA}`);
  });

  it('splits on \\r\\n and on the bare \\r of progress bars', () => {
    const m = createFatalOutputMatcher(['^boom$']);
    expect(m.push('50%|█████     |\r100%|██████████|\r\nboom\r')).toBe('boom');
  });

  it('keeps streams apart: half a line on stdout does not join one on stderr', () => {
    const m = createFatalOutputMatcher(['^ab$']);
    expect(m.push('a', 'stdout')).toBeNull();
    expect(m.push('b\n', 'stderr')).toBeNull();
    expect(m.push('b\n', 'stdout')).toBe('ab');
  });

  it('reports once per process: later matching lines are not reported again', () => {
    const m = defaults();
    expect(m.push(`${CUDA}\n`)).toBe(CUDA);
    expect(m.push(`${CUDA}\n`)).toBeNull();
    expect(m.end()).toBeNull();
    expect(m.matched).toBe(CUDA);
  });

  it('a line longer than the bound is cut there: memory stays bounded and the tail is not matched', () => {
    const m = createFatalOutputMatcher(['FATAL'], { maxLineChars: 100 });
    for (let i = 0; i < 1000; i++) expect(m.push('x'.repeat(1000))).toBeNull();
    expect(m.push('FATAL\n')).toBeNull(); // beyond the first 100 characters of that line
    expect(m.push(`${'y'.repeat(10)} FATAL ${'z'.repeat(200)}\n`)).toBe(
      `${'y'.repeat(10)} FATAL ${'z'.repeat(83)}`,
    );
  });

  it('decodes UTF-8 split inside a character, and checks the unterminated last line at the end', () => {
    const m = createFatalOutputMatcher(['^Fehler: ü$']);
    const bytes = Buffer.from('Fehler: ü');
    expect(m.push(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(m.push(bytes.subarray(bytes.length - 1))).toBeNull();
    expect(m.end()).toBe('Fehler: ü');
  });

  it('no patterns, or only invalid ones, match nothing and never throw; global flags do not skip lines', () => {
    expect(createFatalOutputMatcher([]).push(`${CUDA}\n`)).toBeNull();
    expect(createFatalOutputMatcher(['(unclosed']).push(`${CUDA}\n`)).toBeNull();
    const m = createFatalOutputMatcher([/boom/g]);
    expect(m.push('boom1\n')).toBe('boom1');
    const again = createFatalOutputMatcher([/boom/g]);
    again.push('no\n');
    expect(again.push('boom2\n')).toBe('boom2');
  });
});
