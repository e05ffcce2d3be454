import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeComfyuiFiles, fakeComfyuiPath } from './fake-comfyui.ts';

describe('fakeComfyuiFiles', () => {
  it('lists every .py file of the fake, each under its own name, main.py first', () => {
    const onDisk = readdirSync(dirname(fakeComfyuiPath)).filter((name) => name.endsWith('.py'));
    expect(Object.keys(fakeComfyuiFiles).sort()).toEqual(onDisk.sort());
    for (const [name, path] of Object.entries(fakeComfyuiFiles)) {
      expect(basename(path)).toBe(name);
      expect(dirname(path)).toBe(dirname(fakeComfyuiPath));
    }
    expect(Object.keys(fakeComfyuiFiles)[0]).toBe('main.py');
  });
});
