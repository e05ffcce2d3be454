import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeTcp } from '@comfyvisor/health';
import { selfCommand } from '../context.ts';
import { UserError } from '../errors.ts';

/**
 * The fake ComfyUI shipped in this package (copied from the test kit at build time): main.py and
 * the modules it imports from its own folder.
 */
export const FAKE_COMFYUI_DIR = fileURLToPath(new URL('../assets/fake-comfyui/', import.meta.url));

async function freePort(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 50; port++) {
    if (!(await probeTcp('127.0.0.1', port, 200)).ok) return port;
  }
  throw new UserError(`no free port near ${preferred} for the demo's ComfyUI`);
}

/** Builds a throw-away workspace: env1 and env2 running the fake ComfyUI, sync off. */
export async function buildDemoWorkspace(python: string): Promise<string> {
  if (!existsSync(join(FAKE_COMFYUI_DIR, 'main.py')))
    throw new UserError(`the demo's fake ComfyUI is missing (${FAKE_COMFYUI_DIR}); rebuild the CLI`);
  const fakeFiles = (await readdir(FAKE_COMFYUI_DIR)).filter((name) => name.endsWith('.py'));
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'comfyvisor-demo-')));
  await mkdir(join(root, '.metadata'));
  await writeFile(
    join(root, '.metadata', 'workspace.json'),
    `${JSON.stringify({ version: 1, active_environment: 'env1' }, null, 2)}\n`,
  );
  await writeFile(
    join(root, '.metadata', 'orchestrator_config.json'),
    `${JSON.stringify({ orchestrator: { sync_enabled: false, stop_grace_s: 3 } }, null, 2)}\n`,
  );
  for (const env of ['env1', 'env2']) {
    const dir = join(root, 'environments', env);
    await mkdir(join(dir, '.cec'), { recursive: true });
    await mkdir(join(dir, 'ComfyUI'), { recursive: true });
    await mkdir(join(dir, '.venv', 'bin'), { recursive: true });
    await symlink(python, join(dir, '.venv', 'bin', 'python'));
    for (const name of fakeFiles) await copyFile(join(FAKE_COMFYUI_DIR, name), join(dir, 'ComfyUI', name));
  }
  return root;
}

export interface DemoOptions {
  /** The fake ComfyUI's preferred port; validated by numberOption. @default 8188 */
  port?: number;
  keep?: boolean;
}

/** `comfyvisor demo`: see supervision work without ComfyUI. */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const { findPython } = await import('@comfyvisor/venv');
  const found = await findPython();
  const python = execFileSync(found.path, ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).trim();
  const workspace = await buildDemoWorkspace(python);
  const port = await freePort(Number(options.port ?? 8188));
  const me = selfCommand();
  const ws = `--workspace ${workspace}`;
  process.stdout.write(
    [
      '',
      'comfyvisor demo: a throw-away ComfyGit workspace with two environments (env1, env2), each',
      `running a fake ComfyUI (Python ${found.version}), supervised right here in the foreground.`,
      '',
      `  workspace   ${workspace}`,
      `  ComfyUI     http://127.0.0.1:${port}/system_stats`,
      '',
      'In a second terminal, try:',
      `  ${me} status ${ws}`,
      `  ${me} restart ${ws}`,
      `  ${me} switch env2 ${ws}`,
      `  curl -X POST http://127.0.0.1:${port}/exit/42      # ComfyUI asks for a restart`,
      `  ${me} logs ${ws}`,
      `  ${me} stop ${ws}                                    # or Ctrl-C here`,
      '',
    ].join('\n'),
  );
  const { runSupervisor } = await import('@comfyvisor/supervisor');
  try {
    const { exitCode } = await runSupervisor({
      workspace,
      environment: 'env1',
      args: ['--port', String(port)],
      requireControlServer: true,
    });
    return exitCode;
  } finally {
    if (options.keep) process.stdout.write(`kept the demo workspace: ${workspace}\n`);
    else await rm(workspace, { recursive: true, force: true });
  }
}
