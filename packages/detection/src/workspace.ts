import { realpathSync, statSync } from 'node:fs';
import { type Environment, environmentExists, getEnvironment } from './environment.ts';
import { validateEnvironmentName } from './environment-name.ts';
import { resolveWorld, type World } from './world.ts';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A ComfyGit workspace: a `.metadata/` folder, or (older layout) `pyproject.toml` + `environments/`. */
export function isWorkspace(dir: string): boolean {
  return isDir(`${dir}/.metadata`) || (isFile(`${dir}/pyproject.toml`) && isDir(`${dir}/environments`));
}

/** `$COMFYGIT_HOME` if it exists; else `~/comfygit` if it is a workspace; else the nearest workspace above cwd. */
export function findWorkspaceRoot(world?: World): string | null {
  const w = resolveWorld(world);
  const fromEnv = w.env.COMFYGIT_HOME;
  if (fromEnv && isDir(fromEnv)) return w.path.resolve(fromEnv);
  const fallback = w.path.join(w.home, 'comfygit');
  if (isWorkspace(fallback)) return fallback;
  let current = w.path.resolve(w.cwd);
  for (;;) {
    if (isWorkspace(current)) return current;
    const parent = w.path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

export type Detection =
  | { managed: true; workspace: string; environment: Environment }
  | { managed: false; workspace: string | null };

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Managed iff cwd is exactly `<workspace>/environments/<name>/ComfyUI` and that environment
 * exists (paths compared after resolving symlinks); otherwise unmanaged, with the workspace if any.
 */
export function detectEnvironment(world?: World): Detection {
  const w = resolveWorld(world);
  const workspace = findWorkspaceRoot(world);
  if (!workspace) return { managed: false, workspace: null };
  const cwd = w.platform === 'win32' ? w.path.resolve(w.cwd) : real(w.path.resolve(w.cwd));
  const root = w.platform === 'win32' ? workspace : real(workspace);
  const relative = w.path.relative(root, cwd);
  const parts = relative.split(w.path.sep);
  if (parts.length === 3 && parts[0] === 'environments' && parts[2] === 'ComfyUI') {
    const name = parts[1] as string;
    if (validateEnvironmentName(name).ok && environmentExists(workspace, name)) {
      return {
        managed: true,
        workspace,
        environment: getEnvironment(workspace, name, { platform: w.platform }),
      };
    }
  }
  return { managed: false, workspace };
}
