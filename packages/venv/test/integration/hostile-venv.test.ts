// What the supervisor reads in an environment's venv at every start (torch's version) must not
// hang on a FIFO where a file should be, nor read one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureVenv,
  inspectInstalled,
  readInstalledVersion,
  VENV_MARKER,
  VenvCreateError,
} from '@comfyvisor/venv';
import { describe, expect, it, onTestFinished } from 'vitest';

function venvWithFifos(): string {
  const venv = mkdtempSync(join(tmpdir(), 'comfyvisor-venv-fifo-'));
  onTestFinished(() => rmSync(venv, { recursive: true, force: true }));
  const info = join(venv, 'lib', 'python3.11', 'site-packages', 'torch-2.5.1.dist-info');
  mkdirSync(info, { recursive: true });
  execFileSync('mkfifo', [join(info, 'METADATA'), join(venv, 'pyvenv.cfg')]);
  return venv;
}

describe('FIFOs in a venv', () => {
  it('at METADATA and pyvenv.cfg: no version, "ask Python", and no wait for a writer', async () => {
    const venv = venvWithFifos();
    expect(await readInstalledVersion(venv, 'torch', { platform: 'linux' })).toBeNull();
    expect(await inspectInstalled(venv, 'torch', { platform: 'linux' })).toEqual({ kind: 'unknown' });
  });
});

describe('a hostile completion marker (.metadata/comfyvisor/venv is under the workspace)', () => {
  it('a FIFO or a folder at the marker means "not complete": ensureVenv goes on to build, it never waits for a writer', async () => {
    for (const kind of ['fifo', 'folder'] as const) {
      const base = mkdtempSync(join(tmpdir(), 'comfyvisor-venv-marker-'));
      onTestFinished(() => rmSync(base, { recursive: true, force: true }));
      const venv = join(base, 'venv');
      mkdirSync(join(venv, 'bin'), { recursive: true });
      writeFileSync(join(venv, 'bin', 'python'), '');
      if (kind === 'fifo') execFileSync('mkfifo', [join(venv, VENV_MARKER)]);
      else mkdirSync(join(venv, VENV_MARKER));
      // A python that does not exist: reaching the build step is the proof, and it fails fast.
      await expect(
        ensureVenv(venv, { packages: ['x'], installer: 'pip', python: join(base, 'no-python') }),
        kind,
      ).rejects.toBeInstanceOf(VenvCreateError);
    }
  }, 10_000);
});
