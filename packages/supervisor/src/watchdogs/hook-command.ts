/** What became of one hook: null when it worked, else why not (one short line). */
export type HookOutcome = string | null;

export interface RunHookOptions {
  /** Killed (its whole process group, SIGKILL) after this long. */
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Aborting kills it at once (the runner's `stop()`). */
  signal: AbortSignal;
}

const STDERR_MAX = 4096;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs a `{"run": [argv...]}` hook: the argv as it is (no shell, so nothing in the event can become
 * a command), in a process group of its own, with `line` on its stdin and stdin then closed. The
 * whole group is killed at `timeoutMs`, so a hook that left a child behind leaves nothing.
 */
export async function runHookCommand(
  argv: readonly string[],
  line: string,
  options: RunHookOptions,
): Promise<HookOutcome> {
  // Loaded only when a hook really runs: execa weighs ~15 MB of RSS.
  const { execa } = await import('execa');
  const [file, ...args] = argv as [string, ...string[]];
  const child = execa(file, args, {
    input: line,
    stdout: 'ignore',
    stderr: 'pipe',
    detached: true,
    env: options.env,
    extendEnv: false,
    maxBuffer: STDERR_MAX,
    reject: false,
  });
  let timedOut = false;
  const kill = () => {
    killGroup(child.pid);
    child.kill('SIGKILL'); // where there are no process groups (Windows), the command at least
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  options.signal.addEventListener('abort', kill, { once: true });
  try {
    const result = await child;
    // The leader may exit and leave its group behind: the group ends with the hook.
    if (!result.failed) return null;
    if (timedOut) return `still running after ${options.timeoutMs / 1000} s; killed`;
    if (options.signal.aborted) return 'stopped with the supervisor';
    if ((result as { code?: string }).code === 'ENOENT') return `${file}: command not found`;
    const stderr = String(result.stderr ?? '')
      .trim()
      .split('\n')
      .pop()
      ?.slice(0, 200);
    const how = result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    return stderr ? `${how}: ${stderr}` : how;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', kill);
    killGroup(child.pid);
  }
}
