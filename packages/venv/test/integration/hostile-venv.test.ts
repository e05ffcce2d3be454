// What the supervisor reads in an environment's venv at every start (torch's version) must not
// hang on a FIFO where a file should be, nor read one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectInstalled, readInstalledVersion } from '@comfyvisor/venv';
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
