import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { normalizeDistributionName, readInstalledVersion } from './installed-version.ts';

function fakeVenv(site: string[], distInfos: Record<string, string | null>): string {
  const venv = mkdtempSync(join(tmpdir(), 'comfyvisor-fakevenv-'));
  onTestFinished(() => rmSync(venv, { recursive: true, force: true }));
  const dir = join(venv, ...site);
  mkdirSync(dir, { recursive: true });
  for (const [name, metadata] of Object.entries(distInfos)) {
    mkdirSync(join(dir, name));
    if (metadata !== null) writeFileSync(join(dir, name, 'METADATA'), metadata);
  }
  return venv;
}

describe('readInstalledVersion', () => {
  it('reads Version: from the dist-info METADATA, matching names as PEP 503 normalises them', async () => {
    const venv = fakeVenv(['lib', 'python3.11', 'site-packages'], {
      'comfygit_core-0.3.1.dist-info':
        'Metadata-Version: 2.1\nName: comfygit-core\nVersion: 0.3.1\n\nVersion: 9.9 (in the description)\n',
      'Other.Pkg-2.0.dist-info': 'Metadata-Version: 2.1\r\nName: other.pkg\r\nVersion: 2.0rc1\r\n',
      'torch-2.4.0+cu121.dist-info': 'Name: torch\nVersion: 2.4.0+cu121\n',
      'broken-1.0.dist-info': null,
    });
    expect(await readInstalledVersion(venv, 'comfygit-core', { platform: 'linux' })).toBe('0.3.1');
    expect(await readInstalledVersion(venv, 'ComfyGit_Core', { platform: 'linux' })).toBe('0.3.1');
    expect(await readInstalledVersion(venv, 'other-pkg', { platform: 'linux' })).toBe('2.0rc1');
    expect(await readInstalledVersion(venv, 'torch', { platform: 'linux' })).toBe('2.4.0+cu121');
    expect(await readInstalledVersion(venv, 'broken', { platform: 'linux' })).toBeNull();
    expect(await readInstalledVersion(venv, 'comfygit', { platform: 'linux' })).toBeNull();
  });

  it('finds Lib/site-packages on Windows, and says null for no venv at all', async () => {
    const venv = fakeVenv(['Lib', 'site-packages'], { 'comfygit-1.2.0.dist-info': 'Version: 1.2.0\n' });
    expect(await readInstalledVersion(venv, 'comfygit', { platform: 'win32' })).toBe('1.2.0');
    expect(await readInstalledVersion(venv, 'comfygit', { platform: 'linux' })).toBeNull();
    expect(await readInstalledVersion('/nonexistent/venv', 'comfygit')).toBeNull();
  });

  it('normalises names', () => {
    expect(normalizeDistributionName('Friendly-Bard')).toBe('friendly-bard');
    expect(normalizeDistributionName('FRIENDLY__bard.x')).toBe('friendly-bard-x');
  });
});
