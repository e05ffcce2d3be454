import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateEnvironmentName } from './environment-name.ts';
import { InvalidEnvironmentNameError } from './errors.ts';

/** An environment of a workspace and its paths. */
export interface Environment {
  name: string;
  workspace: string;
  root: string;
  comfyuiDir: string;
  mainPy: string;
  venvDir: string;
  /** The interpreter: `.venv/bin/python`, or `.venv\Scripts\python.exe` on Windows. */
  python: string;
  cecPath: string;
}

/** The paths of environment `name` (it need not exist). Throws for an invalid name. */
export function getEnvironment(
  workspace: string,
  name: string,
  world: { platform?: NodeJS.Platform | undefined } = {},
): Environment {
  const check = validateEnvironmentName(name);
  if (!check.ok) throw new InvalidEnvironmentNameError(`invalid environment name: ${check.reason}`);
  const p = (world.platform ?? process.platform) === 'win32' ? path.win32 : path.posix;
  const root = p.join(workspace, 'environments', name);
  const venvDir = p.join(root, '.venv');
  const comfyuiDir = p.join(root, 'ComfyUI');
  return {
    name,
    workspace,
    root,
    comfyuiDir,
    mainPy: p.join(comfyuiDir, 'main.py'),
    venvDir,
    python:
      (world.platform ?? process.platform) === 'win32'
        ? p.join(venvDir, 'Scripts', 'python.exe')
        : p.join(venvDir, 'bin', 'python'),
    cecPath: p.join(root, '.cec'),
  };
}

/** A valid name whose folder has `.cec` (a folder in ComfyGit; a plain file is accepted). */
export function environmentExists(workspace: string, name: string): boolean {
  if (!validateEnvironmentName(name).ok) return false;
  return existsSync(path.join(workspace, 'environments', name, '.cec'));
}

/** The environments of a workspace, sorted by name. */
export function listEnvironments(
  workspace: string,
  world: { platform?: NodeJS.Platform | undefined } = {},
): Environment[] {
  let names: string[];
  try {
    names = readdirSync(path.join(workspace, 'environments'));
  } catch {
    return [];
  }
  return names
    .filter((name) => environmentExists(workspace, name))
    .sort()
    .map((name) => getEnvironment(workspace, name, world));
}

/** `active_environment` of `.metadata/workspace.json`, or null when it is missing or unusable. */
export function readActiveEnvironment(workspace: string): string | null {
  try {
    const data = JSON.parse(
      readFileSync(path.join(workspace, '.metadata', 'workspace.json'), 'utf8'),
    ) as unknown;
    const active = (data as { active_environment?: unknown } | null)?.active_environment;
    return typeof active === 'string' && validateEnvironmentName(active).ok ? active : null;
  } catch {
    return null;
  }
}
