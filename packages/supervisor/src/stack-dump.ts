import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ComfyuiProcess } from './comfyui-process.ts';

const PRLIMIT = '/usr/bin/prlimit';
const TRACEBACK = '(most recent call first)';

/**
 * Before a hung ComfyUI is killed, the stacks of all its Python threads go to its output (so to
 * comfyui.log), to show which node hung. ComfyUI runs with `PYTHONFAULTHANDLER=1`, which makes
 * Python's faulthandler print every thread's stack on SIGABRT (in a C signal handler: it works
 * while a custom node holds the GIL) and then abort. Its core-size limit is set to 0 first
 * (`prlimit`), so no core file is left even where the limit allowed cores. Linux only: elsewhere,
 * or without prlimit, nothing is sent. Resolves whether a dump was seen in ComfyUI's output.
 */
export async function dumpStacks(
  proc: ComfyuiProcess,
  options: { platform: NodeJS.Platform; waitMs?: number; prlimit?: string },
): Promise<boolean> {
  const prlimit = options.prlimit ?? PRLIMIT;
  if (options.platform !== 'linux' || !existsSync(prlimit) || !proc.running) return false;
  const limited = await new Promise<boolean>((resolve) => {
    execFile(prlimit, ['--pid', String(proc.pid), '--core=0:0'], { timeout: 2_000 }, (error) =>
      resolve(!error),
    );
  });
  if (!limited) return false;
  try {
    process.kill(proc.pid, 'SIGABRT');
  } catch {
    return false;
  }
  const waitMs = options.waitMs ?? 3_000;
  let timer: NodeJS.Timeout | undefined;
  const gone = await Promise.race([
    proc.exited.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    }),
  ]);
  clearTimeout(timer);
  if (gone) await Promise.race([proc.drained, new Promise((resolve) => setTimeout(resolve, 500))]);
  return proc.tail(400).some((line) => line.includes(TRACEBACK));
}
