// Unit counterparts of testing/unit/test_orchestrator_venv.py (the parts that need no real venv).
import { describe, expect, it } from 'vitest';
import { PythonNotFoundError, VenvNotFoundError } from './errors.ts';
import { findPython } from './find-python.ts';
import { defaultPackages, outputTail, planInstall } from './install-commands.ts';
import { resolveVenvPython, venvPaths } from './venv-paths.ts';

describe('venv layout per OS', () => {
  it('test_get_orchestrator_python_path: bin/python or Scripts\\python.exe', () => {
    expect(venvPaths('/v', 'linux')).toEqual({
      binDir: '/v/bin',
      python: '/v/bin/python',
      pip: '/v/bin/pip',
    });
    expect(venvPaths('/v', 'darwin').python).toBe('/v/bin/python');
    expect(venvPaths('C:\\t\\v', 'win32')).toEqual({
      binDir: 'C:\\t\\v\\Scripts',
      python: 'C:\\t\\v\\Scripts\\python.exe',
      pip: 'C:\\t\\v\\Scripts\\pip.exe',
    });
  });

  it('test_get_orchestrator_python_not_found: the error says what to run', () => {
    expect(() => resolveVenvPython('/definitely/not/here')).toThrow(VenvNotFoundError);
    expect(() => resolveVenvPython('/definitely/not/here')).toThrow(/run `comfyvisor setup`/);
  });
});

describe('what gets installed (test_ensure_orchestrator_venv_installs_comfygit_core)', () => {
  it('comfygit by default; COMFYGIT_DEV_CORE_PATH in editable mode instead', () => {
    expect(defaultPackages({})).toEqual(['comfygit']);
    expect(defaultPackages({ COMFYGIT_DEV_CORE_PATH: '/src/core' })).toEqual(['-e', '/src/core']);
  });

  it('pip and uv command lines', () => {
    const common = {
      basePython: 'python3',
      venvDir: '/v',
      venvPython: '/v/bin/python',
      packages: ['comfygit'],
    };
    expect(planInstall({ installer: 'pip', ...common, pipArgs: ['--no-index'] })).toEqual({
      create: { file: 'python3', args: ['-m', 'venv', '/v'] },
      install: {
        file: '/v/bin/python',
        args: ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--no-index', 'comfygit'],
      },
    });
    expect(planInstall({ installer: 'uv', ...common })).toEqual({
      create: { file: 'uv', args: ['venv', '--quiet', '--python', 'python3', '/v'] },
      install: { file: 'uv', args: ['pip', 'install', '--python', '/v/bin/python', 'comfygit'] },
    });
    expect(planInstall({ installer: 'pip', ...common, packages: [] }).install).toBeNull();
  });

  it('an install failure keeps the last lines and the first error line', () => {
    const out = [
      'Looking in links',
      'ERROR: Could not find a version that satisfies the requirement nope',
      ...Array(30).fill('x'),
    ].join('\n');
    const { tail, firstError } = outputTail(out);
    expect(tail.split('\n')).toHaveLength(20);
    expect(firstError).toMatch(/^ERROR: Could not find/);
  });
});

describe('findPython', () => {
  const versions = (map: Record<string, string>) => async (python: string) => {
    const v = map[python];
    if (v === undefined) throw new Error('ENOENT');
    return `${v}\n`;
  };

  it('COMFYVISOR_PYTHON first, and only it when set', async () => {
    const run = versions({ '/opt/py': '3.12.1', python3: '3.11.0' });
    expect(await findPython({ env: { COMFYVISOR_PYTHON: '/opt/py' }, run })).toEqual({
      path: '/opt/py',
      version: '3.12.1',
      source: 'COMFYVISOR_PYTHON',
    });
    await expect(findPython({ env: { COMFYVISOR_PYTHON: '/missing' }, run })).rejects.toThrow(
      /COMFYVISOR_PYTHON=\/missing/,
    );
  });

  it('python3, then python; at least 3.10', async () => {
    expect(await findPython({ env: {}, run: versions({ python3: '3.9.1', python: '3.10.2' }) })).toEqual({
      path: 'python',
      version: '3.10.2',
      source: 'python',
    });
    const error = await findPython({ env: {}, run: versions({ python3: '3.8.0' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonNotFoundError);
    expect((error as Error).message).toMatch(/python3 \(3\.8\.0, too old\).*python \(not found/);
  });
});
