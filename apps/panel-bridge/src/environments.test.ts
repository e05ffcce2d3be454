import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEnvironment } from '@comfyvisor/detection';
import { tempWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { countCustomNodes, countWorkflows, describeEnvironments, readGitBranch } from './environments.ts';

const workspace = () => tempWorkspace({ prefix: 'comfyvisor-bridge-envs-' });

describe('GET /v2/comfygit/environments, computed from disk', () => {
  it('counts workflows as ComfyGit does: *.json directly in ComfyUI/user/default/workflows', async () => {
    const ws = workspace();
    const env = getEnvironment(ws, 'env1');
    expect(await countWorkflows(env)).toBe(0); // no folder: no workflows
    const dir = join(env.comfyuiDir, 'user', 'default', 'workflows');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const name of ['a.json', 'b.json', 'notes.txt', 'sub/c.json']) writeFileSync(join(dir, name), '{}');
    mkdirSync(join(env.comfyuiDir, 'user', 'alice', 'workflows'), { recursive: true });
    writeFileSync(join(env.comfyuiDir, 'user', 'alice', 'workflows', 'd.json'), '{}');
    expect(await countWorkflows(env)).toBe(2);
  });

  it('counts custom node folders without hidden, .disabled and ComfyGit blacklisted ones', async () => {
    const ws = workspace();
    const env = getEnvironment(ws, 'env1');
    expect(await countCustomNodes(env)).toBe(0);
    const dir = join(env.comfyuiDir, 'custom_nodes');
    for (const name of [
      'comfyui-manager',
      'was-node-suite',
      'old.disabled',
      '.hidden',
      '__pycache__',
      'node_modules',
    ]) {
      mkdirSync(join(dir, name), { recursive: true });
    }
    writeFileSync(join(dir, 'example_node.py.example'), '');
    writeFileSync(join(dir, 'websocket_image_save.py'), '');
    mkdirSync(join(ws, 'elsewhere'));
    symlinkSync(join(ws, 'elsewhere'), join(dir, 'linked-node'));
    expect(await countCustomNodes(env)).toBe(3);
  });

  it("reads the branch from .cec's git HEAD; detached, absent or a worktree pointer are handled", async () => {
    const ws = workspace();
    const cec = join(ws, 'environments', 'env1', '.cec');
    expect(await readGitBranch(cec)).toBeNull();
    mkdirSync(join(cec, '.git'));
    writeFileSync(join(cec, '.git', 'HEAD'), 'ref: refs/heads/feature/flux\n');
    expect(await readGitBranch(cec)).toBe('feature/flux');
    writeFileSync(join(cec, '.git', 'HEAD'), '3f1c2a9e0b6d4c8e7f5a1b2c3d4e5f6a7b8c9d0e\n');
    expect(await readGitBranch(cec)).toBeNull();
    const other = join(ws, 'environments', 'env2', '.cec');
    mkdirSync(join(ws, 'gitdirs', 'env2'), { recursive: true });
    writeFileSync(join(ws, 'gitdirs', 'env2', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(other, '.git'), 'gitdir: ../../../gitdirs/env2\n');
    expect(await readGitBranch(other)).toBe('main');
  });

  it("has exactly the panel's keys, null where the disk does not hold the answer", async () => {
    const ws = workspace();
    mkdirSync(join(ws, 'environments', 'env2', '.cec', '.git'));
    writeFileSync(join(ws, 'environments', 'env2', '.cec', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(join(ws, 'environments', 'not-an-env'));
    const body = await describeEnvironments(ws, 'env2');
    expect(body).toEqual({
      environments: [
        {
          name: 'env1',
          is_current: false,
          path: join(ws, 'environments', 'env1'),
          created_at: null,
          workflow_count: 0,
          node_count: 0,
          model_count: null,
          current_branch: null,
        },
        {
          name: 'env2',
          is_current: true,
          path: join(ws, 'environments', 'env2'),
          created_at: null,
          workflow_count: 0,
          node_count: 0,
          model_count: null,
          current_branch: 'main',
        },
      ],
      current: 'env2',
      is_managed: true,
    });
    expect(await describeEnvironments(ws, 'ghost')).toMatchObject({ current: null, is_managed: false });
  });
});
