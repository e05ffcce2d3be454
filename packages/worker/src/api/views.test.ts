import { describe, expect, it } from 'vitest';
import { hostOf } from './views.ts';

describe('comfyui_url host', () => {
  it.each([
    ['gpu-box.lan:9090', 'gpu-box.lan'],
    ['10.1.2.3:9090', '10.1.2.3'],
    ['[fe80::1]:9090', '[fe80::1]'],
    ['localhost', 'localhost'],
    [undefined, 'localhost'],
    ['evil"><script>', 'localhost'],
    ['a b', 'localhost'],
  ])('%s -> %s', (header, host) => {
    expect(hostOf(header)).toBe(host);
  });
});
