import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import path from 'node:path';
import { jsonTooDeep } from '@comfyvisor/ipc-files';
import { venvPaths } from '@comfyvisor/venv';
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
  /** The interpreter, as venv lays it out: `.venv/bin/python`, or `.venv\Scripts\python.exe` on Windows. */
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
  const platform = world.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
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
    python: venvPaths(venvDir, platform).python,
    cecPath: p.join(root, '.cec'),
  };
}

export type EnvironmentCheck =
  | { ok: true; name: string }
  | { ok: false; reason: 'invalid' | 'missing'; message: string };

/**
 * The one "valid name and existing environment" check: `invalid` (with why, in one bounded line)
 * or `missing` (no `environments/<name>/.cec`), or ok with the name. For the supervisor, the CLI
 * and the bridge alike.
 */
export function checkEnvironment(workspace: string, name: unknown): EnvironmentCheck {
  const check = validateEnvironmentName(name);
  if (!check.ok)
    return { ok: false, reason: 'invalid', message: `invalid environment name: ${check.reason}` };
  if (!existsSync(path.join(workspace, 'environments', check.name, '.cec')))
    return {
      ok: false,
      reason: 'missing',
      message: `environment ${JSON.stringify(check.name)} does not exist in ${workspace}`,
    };
  return { ok: true, name: check.name };
}

/** A valid name whose folder has `.cec` (a folder in ComfyGit; a plain file is accepted). */
export function environmentExists(workspace: string, name: string): boolean {
  return checkEnvironment(workspace, name).ok;
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

/** workspace.json is small; anything larger is not read. */
const WORKSPACE_JSON_MAX_BYTES = 1024 * 1024;
const SAFE_OPEN = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * `active_environment` of `.metadata/workspace.json`, or null when it is missing or unusable. Only
 * a regular file of at most 1 MiB is read (a FIFO there never blocks, a symlink is not followed).
 */
export function readActiveEnvironment(workspace: string): string | null {
  try {
    const file = path.join(workspace, '.metadata', 'workspace.json');
    const info = lstatSync(file);
    if (!info.isFile() || info.size > WORKSPACE_JSON_MAX_BYTES) return null;
    const fd = openSync(file, SAFE_OPEN);
    let text: string;
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile() || opened.size > WORKSPACE_JSON_MAX_BYTES) return null;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
    if (text.length > WORKSPACE_JSON_MAX_BYTES || jsonTooDeep(text)) return null;
    const data = JSON.parse(text) as unknown;
    const active = (data as { active_environment?: unknown } | null)?.active_environment;
    return typeof active === 'string' && validateEnvironmentName(active).ok ? active : null;
  } catch {
    return null;
  }
}
