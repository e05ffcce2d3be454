import { readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Environment, listEnvironments } from '@comfyvisor/detection';
import { readSmallFile } from './raw-files.ts';

/** One entry of `GET /v2/comfygit/environments`, exactly the panel's `EnvironmentInfo` keys. */
export interface EnvironmentInfo {
  name: string;
  is_current: boolean;
  path: string;
  /** The reference always answers null ("could add this to Environment if needed"). */
  created_at: null;
  workflow_count: number | null;
  node_count: number | null;
  /** The reference counts missing models from its model index, which is not on disk: null. */
  model_count: null;
  current_branch: string | null;
}

export interface EnvironmentsBody {
  environments: EnvironmentInfo[];
  current: string | null;
  is_managed: boolean;
}

/** ComfyGit's CUSTOM_NODES_BLACKLIST: folders of custom_nodes that are not nodes. */
const NOT_NODES = new Set([
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.tox',
  'node_modules',
  '.vscode',
  '.idea',
  'venv',
  '.venv',
  'env',
  '.env',
  'build',
  'dist',
  '.DS_Store',
  'Thumbs.db',
  '.coverage',
  'htmlcov',
  '.git',
  '.svn',
  '.hg',
  'test',
  'tests',
  '__tests__',
  'spec',
  'specs',
  'tmp',
  'temp',
  '.tmp',
  '.temp',
]);

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Entries of a folder: [] when it does not exist, null when it cannot be read. */
async function entries(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? [] : null;
  }
}

/**
 * Workflows as ComfyGit counts them (synced + new + modified = every `*.json` directly in
 * `ComfyUI/user/default/workflows`; deleted ones exist only in `.cec` and are not counted).
 */
export async function countWorkflows(env: Environment): Promise<number | null> {
  const names = await entries(join(env.comfyuiDir, 'user', 'default', 'workflows'));
  return names === null ? null : names.filter((name) => name.endsWith('.json')).length;
}

/** Installed custom nodes: folders of `ComfyUI/custom_nodes`, without hidden, `.disabled` and non-node ones. */
export async function countCustomNodes(env: Environment): Promise<number | null> {
  const dir = join(env.comfyuiDir, 'custom_nodes');
  const names = await entries(dir);
  if (names === null) return null;
  const candidates = names.filter((n) => !n.startsWith('.') && !n.endsWith('.disabled') && !NOT_NODES.has(n));
  const dirs = await Promise.all(candidates.map((n) => isDirectory(join(dir, n))));
  return dirs.filter(Boolean).length;
}

/** The branch `.cec`'s git HEAD names (`ref: refs/heads/<b>`); null when detached, absent or unreadable. */
export async function readGitBranch(repo: string): Promise<string | null> {
  let gitDir = join(repo, '.git');
  if (!(await isDirectory(gitDir))) {
    // A worktree or submodule: `.git` is a file saying `gitdir: <path>`.
    const pointer = await readSmallFile(gitDir);
    if (pointer.kind !== 'ok') return null;
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(pointer.text);
    if (!match?.[1]) return null;
    gitDir = isAbsolute(match[1]) ? match[1] : resolve(dirname(gitDir), match[1]);
  }
  const head = await readSmallFile(join(gitDir, 'HEAD'));
  if (head.kind !== 'ok') return null;
  const ref = /^ref:\s*refs\/heads\/(.+?)\s*$/.exec(head.text.split('\n')[0] ?? '');
  return ref?.[1] ?? null;
}

/** The environments of `workspace` as the panel lists them; `current` is the one ComfyUI runs in, if known. */
export async function describeEnvironments(
  workspace: string,
  current: string | null,
): Promise<EnvironmentsBody> {
  const environments = await Promise.all(
    listEnvironments(workspace).map(
      async (env): Promise<EnvironmentInfo> => ({
        name: env.name,
        is_current: env.name === current,
        path: env.root,
        created_at: null,
        workflow_count: await countWorkflows(env),
        node_count: await countCustomNodes(env),
        model_count: null,
        current_branch: await readGitBranch(env.cecPath),
      }),
    ),
  );
  const known = current !== null && environments.some((e) => e.name === current);
  return { environments, current: known ? current : null, is_managed: known };
}
