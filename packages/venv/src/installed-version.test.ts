import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { inspectInstalled, normalizeDistributionName, readInstalledVersion } from './installed-version.ts';

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

describe('inspectInstalled', () => {
  const site = ['lib', 'python3.11', 'site-packages'];
  const isolated = (venv: string, value = 'false') =>
    writeFileSync(join(venv, 'pyvenv.cfg'), `home = /usr/bin\ninclude-system-site-packages = ${value}\n`);

  it('a version from dist-info; absent only when an isolated venv holds nothing that could be it', async () => {
    const withTorch = fakeVenv(site, { 'torch-2.5.1+cu121.dist-info': 'Version: 2.5.1+cu121\n' });
    expect(await inspectInstalled(withTorch, 'torch', { platform: 'linux' })).toEqual({
      kind: 'version',
      version: '2.5.1+cu121',
    });
    const none = fakeVenv(site, { 'pip-24.0.dist-info': 'Version: 24.0\n' });
    isolated(none);
    writeFileSync(join(none, ...site, 'distutils-precedence.pth'), 'import os\n');
    expect(await inspectInstalled(none, 'torch', { platform: 'linux' })).toEqual({ kind: 'absent' });
  });

  it('unknown (ask Python) for a bare package folder, a .pth, system packages visible, or no pyvenv.cfg', async () => {
    const bare = fakeVenv(site, { torch: null });
    isolated(bare);
    const pth = fakeVenv(site, {});
    isolated(pth);
    writeFileSync(join(pth, ...site, 'extra.pth'), '/opt/torch\n');
    const system = fakeVenv(site, {});
    isolated(system, 'true');
    const noCfg = fakeVenv(site, {});
    const egg = fakeVenv(site, { 'torch.egg-link': null });
    isolated(egg);
    for (const venv of [bare, pth, system, noCfg, egg])
      expect(await inspectInstalled(venv, 'torch', { platform: 'linux' }), venv).toEqual({ kind: 'unknown' });
  });
});

describe('hostile files where METADATA and pyvenv.cfg should be', () => {
  const site = ['lib', 'python3.11', 'site-packages'];

  it('a folder is not a file: no version, and "ask Python"', async () => {
    const venv = fakeVenv(site, { 'torch-2.5.1.dist-info': null });
    mkdirSync(join(venv, ...site, 'torch-2.5.1.dist-info', 'METADATA'));
    mkdirSync(join(venv, 'pyvenv.cfg'));
    expect(await readInstalledVersion(venv, 'torch', { platform: 'linux' })).toBeNull();
    expect(await inspectInstalled(venv, 'torch', { platform: 'linux' })).toEqual({ kind: 'unknown' });
  });

  it('a 10 MB METADATA: its headers are read, not the rest', async () => {
    const venv = fakeVenv(site, {
      'torch-2.5.1.dist-info': `Name: torch\nVersion: 2.5.1\n\n${'x'.repeat(10 * 1024 * 1024)}\n`,
    });
    expect(await readInstalledVersion(venv, 'torch', { platform: 'linux' })).toBe('2.5.1');
  });
});
