import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isSupervisorCommandLine, isSupervisorProcess, SUPERVISOR_TITLE } from './supervisor-process.ts';

/** A folder holding a package named `name` with a `dist/bundle/bin.js`, anywhere on disk. */
function installedPackage(name: string): { root: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'comfyvisor-pkg-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'lib', 'node_modules', 'anything');
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, bin: { comfyvisor: './dist/bundle/bin.js' } }),
  );
  writeFileSync(join(dir, 'dist', 'bundle', 'bin.js'), '');
  return { root: dir, bin: join(dir, 'dist', 'bundle', 'bin.js') };
}

describe('recognising a supervisor by what it is', () => {
  it('our title, our CLI package running `run` (wherever installed), or the Python orchestrator', () => {
    const cli = installedPackage('@comfyvisor/cli');
    expect(isSupervisorCommandLine([`${SUPERVISOR_TITLE}/srv/ws`])).toBe(true);
    expect(isSupervisorCommandLine(['/usr/bin/node', cli.bin, 'run', '--workspace', 'w'])).toBe(true);
    expect(isSupervisorCommandLine(['node', 'dist/bundle/bin.js', 'run'], () => cli.root)).toBe(true);
    expect(isSupervisorCommandLine(['/home/u/.local/bin/comfyvisor', 'run', '--', '--port', '1'])).toBe(true);
    expect(isSupervisorCommandLine(['python', '/x/server/orchestrator.py', '--workspace', 'w'])).toBe(true);
    // a nameless package.json beside the bundle (a module-type marker) is looked past
    writeFileSync(join(cli.root, 'dist', 'bundle', 'package.json'), '{"type":"module"}');
    expect(isSupervisorCommandLine(['/usr/bin/node', cli.bin, 'run'])).toBe(true);
  });

  it('a folder name is not an identity: another package in apps/cli/dist, or comfyvisor in a path', () => {
    const other = installedPackage('something-else');
    expect(isSupervisorCommandLine(['node', other.bin, 'run'])).toBe(false);
    expect(isSupervisorCommandLine(['node', '/x/apps/cli/dist/bin.js', 'run'])).toBe(false);
    expect(isSupervisorCommandLine(['node', '/work/comfyvisor/node_modules/vitest/vitest.mjs', 'run'])).toBe(
      false,
    );
    expect(isSupervisorCommandLine(['vim', 'comfyvisor.md'])).toBe(false);
    expect(isSupervisorCommandLine(['comfyvisor', 'status'])).toBe(false);
    expect(isSupervisorCommandLine(['python', 'not_orchestrator.py'])).toBe(false);
    // a relative entry whose folder cannot be told
    expect(isSupervisorCommandLine(['node', 'dist/bundle/bin.js', 'run'])).toBe(false);
  });

  it('isSupervisorProcess believes a command line, not a bare pid', () => {
    const alive = () => true;
    const check = (argv: string[] | null, platform: NodeJS.Platform = 'linux') =>
      isSupervisorProcess(10, { platform, isAlive: alive, commandLine: () => argv, cwd: () => null });
    expect(check([`${SUPERVISOR_TITLE}/ws`])).toBe(true);
    expect(check(['python', 'orchestrator.py', '--workspace', 'w'])).toBe(true);
    expect(check(['sleep', '30'])).toBe(false);
    expect(check(null)).toBe(false); // Linux: unreadable is not believed
    expect(check(null, 'darwin')).toBe(true); // no ps: a running pid is trusted
    expect(
      isSupervisorProcess(10, { platform: 'linux', isAlive: () => false, commandLine: () => ['comfyvisor'] }),
    ).toBe(false);
    expect(isSupervisorProcess(10, { platform: 'win32', isAlive: alive })).toBe(true);
  });
});
