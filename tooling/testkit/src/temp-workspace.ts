import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeAfterTest } from './cleanup.ts';

/** A temp folder (real path), removed after the test by the shared vitest setup. */
export function tempDir(prefix = 'comfyvisor-unit-'): string {
  return removeAfterTest(realpathSync(mkdtempSync(join(tmpdir(), prefix))));
}

/**
 * A bare ComfyGit workspace for unit tests: `.metadata/` and `environments/<env>/.cec` (plus
 * `ComfyUI/` with `comfyui: true`), removed after the test. For one that runs the fake ComfyUI,
 * use `createWorkspace`.
 */
export function tempWorkspace(options: { environments?: string[]; comfyui?: boolean; prefix?: string } = {}) {
  const root = tempDir(options.prefix ?? 'comfyvisor-unit-ws-');
  mkdirSync(join(root, '.metadata'));
  for (const env of options.environments ?? ['env1', 'env2']) {
    mkdirSync(join(root, 'environments', env, '.cec'), { recursive: true });
    if (options.comfyui) mkdirSync(join(root, 'environments', env, 'ComfyUI'));
  }
  return root;
}
