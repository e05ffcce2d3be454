// Cold start of `comfyvisor run`: process spawned → the fake ComfyUI listening, minus the fake's own
// start (measured alone, same rounds). Used by `pnpm bench` and scripts/bench-variants.ts.
import { spawn } from 'node:child_process';
import type { TestWorkspace } from '@comfyvisor/testkit';
import { CLI, lastEvent, median, nextEvent, now, ownStart } from './bench-lib.ts';

export interface ColdStartOptions {
  ws: TestWorkspace;
  port: number;
  rounds: number;
  /** @default the built CLI bundle */
  cli?: string;
  /** Flags for the supervisor's node (e.g. --max-semi-space-size=1). */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface ColdStart {
  /** spawn of `comfyvisor run` → ComfyUI listening (ms), per round. */
  total: number[];
  /** the fake alone: spawn → listening (ms), per round. */
  own: number[];
  /** median(total) − median(own). */
  overhead: number;
}

/** One `comfyvisor run` from spawn to ComfyUI listening; stops it (SIGTERM) before resolving. */
export async function coldStartOnce(options: ColdStartOptions): Promise<number> {
  const { ws, port } = options;
  const from = await lastEvent(ws);
  const t0 = now();
  const sup = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      options.cli ?? CLI,
      'run',
      '--workspace',
      ws.root,
      '--environment',
      'env1',
      '--args',
      '--port',
      String(port),
    ],
    { stdio: 'ignore', env: options.env ?? process.env },
  );
  const exited = new Promise((resolve) => sup.once('exit', resolve));
  try {
    const listening = await Promise.race([
      nextEvent(ws, { event: 'listening' }, from),
      exited.then(() => {
        throw new Error('comfyvisor run exited before ComfyUI listened');
      }),
    ]);
    return (listening.time - t0) * 1000;
  } finally {
    sup.kill('SIGTERM');
    await exited;
  }
}

export async function benchColdStart(options: ColdStartOptions): Promise<ColdStart> {
  const total: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    // Alternate, so that a noisy moment of the machine weighs on both series alike.
    own.push((await ownStart(options.ws, 'env1', options.port)).listening);
    total.push(await coldStartOnce(options));
  }
  return { total, own, overhead: median(total) - median(own) };
}
