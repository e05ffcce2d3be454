// Real venvs with the machine's python3; the installed package is a wheel the test builds itself.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildFakeCgWheel, killTracked, track } from '@comfyvisor/testkit';
import {
  ensureVenv,
  findPython,
  PackageInstallError,
  PythonNotFoundError,
  resolveVenvPython,
} from '@comfyvisor/venv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let wheel: string;
let base: string;
const temps: string[] = [];
beforeAll(() => {
  const built = buildFakeCgWheel();
  wheel = built.wheel;
  base = mkdtempSync(join(tmpdir(), 'comfyvisor-venvs-'));
  temps.push(built.dir, base);
});
afterAll(async () => {
  await killTracked();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const offline = { installer: 'pip' as const, pipArgs: ['--no-index'] };

describe('ensureVenv (test_orchestrator_venv)', () => {
  it('test_ensure_orchestrator_venv_creates_venv, installs the package, and a second call touches nothing (idempotent)', async () => {
    const dir = join(base, 'tools');
    const phases: string[] = [];
    const first = await ensureVenv(dir, {
      packages: [wheel],
      ...offline,
      onProgress: (s) => phases.push(s.phase),
    });
    expect(first).toMatchObject({ created: true, installer: 'pip', installed: [wheel] });
    expect(phases).toEqual(['create', 'install', 'finalize']);
    // the console script works from the final folder (shebangs were relocated)
    expect(execFileSync(join(dir, 'bin', 'cg'), ['--version'], { encoding: 'utf8' }).trim()).toBe(
      'cg 0.1.0 --version',
    );
    expect(resolveVenvPython(dir)).toBe(join(dir, 'bin', 'python'));
    const before = statSync(join(dir, '.comfyvisor-venv.json')).mtimeMs;
    const second = await ensureVenv(dir, { packages: [wheel], ...offline });
    expect(second).toMatchObject({ created: false, installer: null, installed: [] });
    expect(statSync(join(dir, '.comfyvisor-venv.json')).mtimeMs).toBe(before);
    // test_orchestrator_venv_isolated_from_comfyui: the tool venv is its own interpreter prefix
    const prefix = execFileSync(join(dir, 'bin', 'python'), ['-c', 'import sys; print(sys.prefix)'], {
      encoding: 'utf8',
    }).trim();
    expect(prefix).toBe(dir);
  });

  it('an interrupted creation leaves no venv behind; the next call cleans up and succeeds', async () => {
    const dir = join(base, 'interrupted');
    const child = track(
      spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'run-ensure.mjs'), dir, wheel]),
    );
    await new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line === 'install') resolve();
      }),
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(base).some((name) => name.startsWith('interrupted.partial-'))).toBe(true);
    const result = await ensureVenv(dir, { packages: [wheel], ...offline });
    expect(result.created).toBe(true);
    expect(readdirSync(base).filter((name) => name.startsWith('interrupted.partial-'))).toEqual([]);
  });

  it("an install failure carries pip's last lines and leaves nothing behind", async () => {
    const dir = join(base, 'broken');
    const error = await ensureVenv(dir, { packages: ['surely-not-a-package-xyz'], ...offline }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PackageInstallError);
    expect((error as PackageInstallError).outputTail).toMatch(/surely-not-a-package-xyz/);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(base).some((name) => name.startsWith('broken.partial-'))).toBe(false);
  });

  it('no python: a clear error', async () => {
    await expect(findPython({ env: { PATH: '/nonexistent' } })).rejects.toThrow(PythonNotFoundError);
    await expect(
      ensureVenv(join(base, 'nopython'), { packages: [], env: { PATH: '/nonexistent' }, installer: 'pip' }),
    ).rejects.toThrow(/no Python 3\.10\+ found/);
    expect(existsSync(join(base, 'nopython'))).toBe(false);
  });

  it('finds the machine python3 and says so', async () => {
    expect(await findPython()).toMatchObject({
      source: 'python3',
      version: expect.stringMatching(/^3\.\d+\.\d+$/),
    });
  });
});
