import { describe, expect, it } from 'vitest';
import { parseCreateBody, parseFlag, parseLines } from './validate.ts';

describe('create body', () => {
  it('accepts what the panel sends, ignores unknown fields', () => {
    expect(
      parseCreateBody({ import_source: 'https://x/y.git', mode: 'native', name: 'n', extra: 1 }),
    ).toEqual({
      ok: true,
      value: {
        importSource: 'https://x/y.git',
        name: 'n',
        mode: 'native',
        branch: null,
        cudaVisibleDevices: null,
      },
    });
    expect(
      parseCreateBody({ import_source: '/a', branch: 'release/1.2', cuda_visible_devices: 'GPU-1a2b,0' }),
    ).toMatchObject({
      ok: true,
      value: { branch: 'release/1.2', cudaVisibleDevices: 'GPU-1a2b,0' },
    });
  });

  it.each([
    [{ import_source: '/a', branch: '--upload-pack=x' }, 'branch must not start with "-"'],
    [{ import_source: '/a', branch: 'a b' }, 'branch must be a branch, tag or commit name'],
    [{ import_source: '/a', branch: 'a..b' }, 'branch must not hold ".."'],
    [{ import_source: '-e' }, 'import_source must not start with "-"'],
    [{ import_source: '/a', mode: 'podman' }, 'mode must be "native" or "docker"'],
    [{ import_source: 'x'.repeat(5000) }, 'import_source is longer than 4096 characters'],
  ])('%j: %s', (body, error) => {
    expect(parseCreateBody(body)).toEqual({ ok: false, error });
  });

  it('lines and keep_env', () => {
    expect(parseLines(undefined)).toEqual({ ok: true, value: 100 });
    expect(parseLines('0')).toEqual({ ok: true, value: 0 });
    expect(parseLines('9999999')).toEqual({ ok: true, value: 100_000 });
    expect(parseLines('-1').ok).toBe(false);
    expect(parseFlag('true')).toBe(true);
    expect(parseFlag('false')).toBe(false);
    expect(parseFlag(undefined)).toBe(false);
  });
});
