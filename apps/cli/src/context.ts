import { existsSync } from 'node:fs';
import path from 'node:path';
import { findWorkspaceRoot, isWorkspace } from '@comfyvisor/detection';
import { metadataDir } from '@comfyvisor/ipc-files';
import { UserError } from './errors.ts';

/** The workspace from `--workspace`, else detection's answer; a clear error when there is none. */
export function resolveWorkspace(flag: string | undefined): string {
  if (flag) {
    const root = path.resolve(flag);
    if (!existsSync(root)) throw new UserError(`workspace not found: ${root}`);
    if (!isWorkspace(root)) throw new UserError(`not a ComfyGit workspace (no .metadata/ folder): ${root}`);
    return root;
  }
  const found = findWorkspaceRoot();
  if (!found) {
    throw new UserError(
      'no ComfyGit workspace found (set COMFYGIT_HOME, use ~/comfygit, run inside one, or pass --workspace)',
    );
  }
  return found;
}

export function metadataOf(workspace: string): string {
  const dir = metadataDir(workspace);
  if (!existsSync(dir)) throw new UserError(`the workspace has no .metadata/ folder: ${workspace}`);
  return dir;
}

/** How to call this command again in printed hints. */
export function selfCommand(): string {
  const script = process.argv[1] ?? 'comfyvisor';
  return path.basename(script) === 'comfyvisor' ? 'comfyvisor' : `node ${script}`;
}

export interface GlobalOptions {
  workspace?: string;
  json?: boolean;
}
