// The fake ComfyUI of one environment of a test workspace, started as the supervisor starts it
// (the venv's python, main.py in <env>/ComfyUI, its own process group), tracked for killTracked.
import { connect } from 'node:net';
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

/** Every line the fake prints (stdout and stderr), as they arrive. */
export function outputLines(child: ReturnType<typeof startFake>): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  return lines;
}

/** Does a TCP connection to the port succeed (something listens, even if it answers nothing)? */
export function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
