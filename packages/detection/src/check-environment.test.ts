import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempWorkspace } from '@comfyvisor/testkit';
import { venvPaths } from '@comfyvisor/venv';
import { describe, expect, it } from 'vitest';
import * as detection from './index.ts';

const workspace = () => tempWorkspace({ environments: ['env1'], prefix: 'comfyvisor-check-' });

describe('checkEnvironment: the one "valid name and existing environment" check', () => {
  it('ok, invalid (with why) or missing, each with one bounded line', () => {
    const ws = workspace();
    expect(detection.checkEnvironment(ws, 'env1')).toEqual({ ok: true, name: 'env1' });
    expect(detection.checkEnvironment(ws, '../etc')).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'invalid environment name: "../etc" is not one folder name (it has a slash)',
    });
    expect(detection.checkEnvironment(ws, 'env2')).toEqual({
      ok: false,
      reason: 'missing',
      message: `environment "env2" does not exist in ${ws}`,
    });
    for (const bad of [42, null, { a: 1 }, 'x'.repeat(100_000), 'a\nb', '']) {
      const check = detection.checkEnvironment(ws, bad);
      expect(check).toMatchObject({ ok: false, reason: 'invalid' });
      expect(check.ok === false && check.message.length <= 200 && !check.message.includes('\n')).toBe(true);
    }
    expect(detection.environmentExists(ws, 'env1')).toBe(true);
    expect(detection.environmentExists(ws, 'env2')).toBe(false);
  });

  it("the interpreter's path is venv's rule, on every platform", () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const env = detection.getEnvironment('/ws', 'env1', { platform });
      expect(env.python).toBe(venvPaths(env.venvDir, platform).python);
    }
  });

  it('readActiveEnvironment: an oversize, too deep or symlinked workspace.json is no answer', () => {
    const ws = workspace();
    const file = join(ws, '.metadata', 'workspace.json');
    writeFileSync(file, `{"active_environment": "env1", "pad": "${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect(detection.readActiveEnvironment(ws)).toBeNull();
    writeFileSync(
      file,
      `{"active_environment": "env1", "deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    );
    expect(detection.readActiveEnvironment(ws)).toBeNull();
    writeFileSync(file, '{"active_environment": "env1"}');
    expect(detection.readActiveEnvironment(ws)).toBe('env1');
  });
});
