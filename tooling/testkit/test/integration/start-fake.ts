// The fake ComfyUI of one environment of a test workspace, started as the supervisor starts it
// (the venv's python, main.py in <env>/ComfyUI, its own process group), tracked for killTracked.
import { join } from 'node:path';
import { execa } from 'execa';
import { type TestWorkspace, track } from '../../src/index.ts';

/** `extraEnv` is added to this process's environment and COMFYGIT_SUPERVISED=1. */
export function startFake(
  ws: TestWorkspace,
  env: string,
  args: string[] = [],
  extraEnv: Record<string, string> = {},
) {
  return track(
    execa(join(ws.envDir(env), '.venv', 'bin', 'python'), ['main.py', ...args], {
      cwd: join(ws.envDir(env), 'ComfyUI'),
      reject: false,
      detached: true,
      env: { COMFYGIT_SUPERVISED: '1', ...extraEnv },
    }),
  );
}
