// Counterparts of the Python suite's testing/unit/test_environment_detection.py, case by case, plus ours.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { environmentExists, getEnvironment, listEnvironments, readActiveEnvironment } from './environment.ts';
import { validateEnvironmentName } from './environment-name.ts';
import { shouldSpawnSupervisor } from './should-spawn.ts';
import { detectEnvironment, findWorkspaceRoot } from './workspace.ts';

const temp = () => tempDir('comfyvisor-detect-');
const workspace = (environments = ['env1']) =>
  tempWorkspace({ environments, comfyui: true, prefix: 'comfyvisor-detect-' });
const noHome = { env: {}, home: '/nonexistent-home' };

describe('detectEnvironment (test_environment_detection)', () => {
  it('test_detect_managed_environment', () => {
    const ws = workspace();
    const result = detectEnvironment({ ...noHome, cwd: join(ws, 'environments', 'env1', 'ComfyUI') });
    expect(result).toMatchObject({ managed: true, workspace: ws, environment: { name: 'env1' } });
  });

  it('test_detect_unmanaged_environment_outside_workspace', () => {
    const dir = temp();
    mkdirSync(join(dir, 'standalone', 'ComfyUI'), { recursive: true });
    expect(detectEnvironment({ ...noHome, cwd: join(dir, 'standalone', 'ComfyUI') })).toEqual({
      managed: false,
      workspace: null,
    });
  });

  it('test_detect_unmanaged_environment_wrong_structure', () => {
    const ws = workspace();
    mkdirSync(join(ws, 'ComfyUI'));
    expect(detectEnvironment({ ...noHome, cwd: join(ws, 'ComfyUI') })).toEqual({
      managed: false,
      workspace: ws,
    });
    // ComfyUI of an environment folder without .cec is not an environment
    mkdirSync(join(ws, 'environments', 'ghost', 'ComfyUI'), { recursive: true });
    expect(detectEnvironment({ ...noHome, cwd: join(ws, 'environments', 'ghost', 'ComfyUI') })).toMatchObject(
      { managed: false },
    );
    // a folder below ComfyUI is not ComfyUI's cwd
    mkdirSync(join(ws, 'environments', 'env1', 'ComfyUI', 'custom_nodes'));
    expect(
      detectEnvironment({ ...noHome, cwd: join(ws, 'environments', 'env1', 'ComfyUI', 'custom_nodes') }),
    ).toMatchObject({ managed: false });
  });

  it('symlinked workspace paths: cwd reached through a link is still managed', () => {
    const ws = workspace();
    const link = join(temp(), 'link-to-ws');
    symlinkSync(ws, link);
    expect(
      detectEnvironment({ ...noHome, cwd: join(link, 'environments', 'env1', 'ComfyUI') }),
    ).toMatchObject({ managed: true });
    expect(
      detectEnvironment({
        env: { COMFYGIT_HOME: link },
        home: '/x',
        cwd: join(ws, 'environments', 'env1', 'ComfyUI'),
      }),
    ).toMatchObject({
      managed: true,
      environment: { name: 'env1' },
    });
  });
});

describe('findWorkspaceRoot (test_environment_detection)', () => {
  it('test_find_workspace_root_via_env_var', () => {
    const ws = workspace();
    expect(findWorkspaceRoot({ env: { COMFYGIT_HOME: ws }, home: '/x', cwd: '/' })).toBe(ws);
    // a COMFYGIT_HOME that does not exist is skipped
    expect(findWorkspaceRoot({ env: { COMFYGIT_HOME: join(ws, 'nope') }, home: '/x', cwd: '/' })).toBeNull();
  });

  it('test_find_workspace_root_via_default_location (~/comfygit)', () => {
    const home = temp();
    mkdirSync(join(home, 'comfygit', '.metadata'), { recursive: true });
    expect(findWorkspaceRoot({ env: {}, home, cwd: '/' })).toBe(join(home, 'comfygit'));
  });

  it('test_find_workspace_root_via_upward_search (also the older layout)', () => {
    const ws = workspace();
    expect(findWorkspaceRoot({ ...noHome, cwd: join(ws, 'environments', 'env1', 'ComfyUI') })).toBe(ws);
    const legacy = temp();
    writeFileSync(join(legacy, 'pyproject.toml'), '');
    mkdirSync(join(legacy, 'environments', 'e', 'ComfyUI'), { recursive: true });
    expect(findWorkspaceRoot({ ...noHome, cwd: join(legacy, 'environments', 'e', 'ComfyUI') })).toBe(legacy);
  });

  it('test_find_workspace_root_not_found', () => {
    expect(findWorkspaceRoot({ ...noHome, cwd: temp() })).toBeNull();
  });
});

describe('environments', () => {
  it('lists, reads the active one, and knows each path per platform (Windows paths too)', () => {
    const ws = workspace(['b', 'a']);
    mkdirSync(join(ws, 'environments', 'not-an-env'));
    writeFileSync(join(ws, 'environments', 'plain-file-cec'), '');
    mkdirSync(join(ws, 'environments', 'file-cec'));
    writeFileSync(join(ws, 'environments', 'file-cec', '.cec'), '');
    expect(listEnvironments(ws).map((e) => e.name)).toEqual(['a', 'b', 'file-cec']);
    writeFileSync(join(ws, '.metadata', 'workspace.json'), '{"version": 1, "active_environment": "b"}');
    expect(readActiveEnvironment(ws)).toBe('b');
    writeFileSync(join(ws, '.metadata', 'workspace.json'), '{"active_environment": "../x"}');
    expect(readActiveEnvironment(ws)).toBeNull();
    expect(getEnvironment('/ws', 'e1', { platform: 'linux' })).toEqual({
      name: 'e1',
      workspace: '/ws',
      root: '/ws/environments/e1',
      comfyuiDir: '/ws/environments/e1/ComfyUI',
      mainPy: '/ws/environments/e1/ComfyUI/main.py',
      venvDir: '/ws/environments/e1/.venv',
      python: '/ws/environments/e1/.venv/bin/python',
      cecPath: '/ws/environments/e1/.cec',
    });
    expect(getEnvironment('C:\\Users\\me\\comfygit', 'e1', { platform: 'win32' }).python).toBe(
      'C:\\Users\\me\\comfygit\\environments\\e1\\.venv\\Scripts\\python.exe',
    );
  });

  it('rejects traversal and other bad names', () => {
    for (const bad of [
      '',
      ' ',
      '..',
      '../x',
      'a/b',
      'a\\b',
      '.hidden',
      'x..y',
      'con',
      'NUL',
      'a\u0000b',
      'a:b',
      'x'.repeat(129),
      5,
      null,
    ]) {
      expect(validateEnvironmentName(bad).ok, String(bad)).toBe(false);
    }
    for (const good of ['env1', 'My Env', 'flux-dev_2', 'é'])
      expect(validateEnvironmentName(good)).toEqual({ ok: true, name: good });
    expect(() => getEnvironment('/ws', '../etc')).toThrow(/invalid environment name/);
    expect(environmentExists(workspace(), '../..')).toBe(false);
  });
});

describe('shouldSpawnSupervisor (test_environment_detection)', () => {
  it('test_should_spawn_orchestrator_not_supervised: no pid file -> spawn', async () => {
    expect(await shouldSpawnSupervisor({ env: {}, workspace: workspace() })).toEqual({
      spawn: true,
      reason: 'no_pid_file',
    });
  });

  it('test_should_not_spawn_orchestrator_when_supervised', async () => {
    expect(
      await shouldSpawnSupervisor({ env: { COMFYGIT_SUPERVISED: '1' }, workspace: workspace() }),
    ).toEqual({
      spawn: false,
      reason: 'supervised',
    });
  });

  it('test_should_not_spawn_orchestrator_when_already_running', async () => {
    const ws = workspace();
    writeFileSync(join(ws, '.metadata', '.orchestrator.pid'), '4321');
    expect(
      await shouldSpawnSupervisor({ env: {}, workspace: ws, isSupervisor: (pid) => pid === 4321 }),
    ).toEqual({
      spawn: false,
      reason: 'running',
      pid: 4321,
    });
  });

  it('test_should_spawn_orchestrator_when_stale_pid (dead, garbage, or reused by another process)', async () => {
    const ws = workspace();
    const pidFile = join(ws, '.metadata', '.orchestrator.pid');
    for (const content of ['4321', 'garbage']) {
      writeFileSync(pidFile, content);
      expect(
        await shouldSpawnSupervisor({ env: {}, workspace: ws, isSupervisor: () => false }),
      ).toMatchObject({ spawn: true });
      expect(() => realpathSync(pidFile)).toThrow();
    }
  });

  it('no workspace: spawn (the supervisor will say what is wrong)', async () => {
    expect(await shouldSpawnSupervisor({ env: {}, workspace: null })).toEqual({
      spawn: true,
      reason: 'no_workspace',
    });
  });
});
