import { type ChildProcess, spawn } from 'node:child_process';
import { signalProcessGroup } from '@comfyvisor/processes';

/** One run's result: its stdout (without trailing newlines), or the command was not found, or it failed (why). */
export type ShellRun =
  | { kind: 'ok'; stdout: string }
  | { kind: 'missing' }
  | { kind: 'failed'; reason: string };

/**
 * Runs one fixed command over and over (nvidia-smi every 10 s, for as long as ComfyUI runs) through
 * a small `/bin/sh` kept beside the supervisor: the shell forks for each run, not the supervisor.
 * Forking node costs ~4 ms of CPU each time (its page tables), which alone would break the 0.5 ms/s
 * idle budget; writing a line to the shell and reading the answer costs ~0.1 ms. The arguments are
 * the caller's constants, single-quoted; nothing read from anywhere reaches the shell. A run that
 * outlives `timeoutMs` kills the shell's process group (the command with it); the next run starts a
 * new shell. The shell ends by itself when its stdin closes (the supervisor exits or calls `close`).
 */
export interface CommandShell {
  run(args: readonly string[]): Promise<ShellRun>;
  close(): void;
}

const END = '__comfyvisor_end__';
const MAX_BYTES = 1024 * 1024;

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export function createCommandShell(
  command: string,
  options: { env: NodeJS.ProcessEnv; timeoutMs: number },
): CommandShell {
  let shell: ChildProcess | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const kill = () => {
    const pid = shell?.pid;
    shell?.stdin?.destroy();
    shell = null;
    if (pid !== undefined) signalProcessGroup(pid, 'SIGKILL');
  };
  const start = (): ChildProcess => {
    const child = startShell(options.env);
    child.on('exit', () => {
      if (shell === child) shell = null;
    });
    return child;
  };

  const once = (args: readonly string[]): Promise<ShellRun> => {
    shell ??= start();
    const child = shell;
    return new Promise((resolve) => {
      let out = '';
      const finish = (result: ShellRun) => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve(result);
      };
      const onExit = () => finish({ kind: 'failed', reason: 'the shell running it ended' });
      const onData = (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.length > MAX_BYTES) {
          kill();
          return finish({ kind: 'failed', reason: `more than ${MAX_BYTES} bytes of output` });
        }
        const ended = endOf(out);
        if (ended) finish(ended);
      };
      const timer = setTimeout(() => {
        kill();
        finish({ kind: 'failed', reason: `timed out after ${options.timeoutMs} ms` });
      }, options.timeoutMs);
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
      const line = [command, ...args].map(quote).join(' ');
      // the answer and its end marker in one write: one wake-up of the supervisor per run
      child.stdin?.write(`out=$(${line} </dev/null); printf '%s\\n${END} %s\\n' "$out" "$?"\n`);
    });
  };

  const run = (args: readonly string[]) => {
    const next = queue.then(() => once(args));
    queue = next.catch(() => {});
    return next;
  };
  return { run, close: kill };
}

/** The shell, in a process group of its own (killed whole on a timeout); never keeps node alive. */
function startShell(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn('/bin/sh', [], { env, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  child.on('error', () => {});
  child.stdin?.on('error', () => {});
  child.unref();
  (child.stdout as unknown as { unref?: () => void })?.unref?.();
  return child;
}

/** A run's result once its end marker (with the exit code) has arrived, else null. */
function endOf(out: string): ShellRun | null {
  const match = new RegExp(`\\n${END} (\\d+)\\n$`).exec(out);
  if (!match) return null;
  const code = Number(match[1]);
  if (code === 127) return { kind: 'missing' };
  return code === 0
    ? { kind: 'ok', stdout: out.slice(0, match.index) }
    : { kind: 'failed', reason: `exit code ${code}` };
}
