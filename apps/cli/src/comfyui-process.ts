import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { StartupState } from '@comfyvisor/ipc-files';

/** ComfyUI as the process table shows it (when the control API cannot be asked). */
export interface ComfyuiProcess {
  pid: number;
  /** From `.startup_state.json`'s time, when that file describes this process; else null. */
  uptimeSeconds: number | null;
}

interface Child {
  pid: number;
  /** Linux: the working folder; elsewhere null. */
  cwd: string | null;
  /** Elsewhere than Linux: the command line; on Linux null. */
  command: string | null;
}

/** The live children of `parent` (Linux: /proc; macOS and BSDs: `ps`). */
async function childrenOf(parent: number, platform: NodeJS.Platform): Promise<Child[]> {
  if (platform === 'linux') {
    const names = await readdir('/proc').catch(() => [] as string[]);
    const found = await Promise.all(
      names.filter((name) => /^\d+$/.test(name)).map((name) => linuxChild(Number(name), parent)),
    );
    return found.filter((child): child is Child => child !== null);
  }
  if (platform === 'win32') return [];
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-ww', '-o', 'pid=,ppid=,command='], { timeout: 3_000 }, (error, stdout) => {
      if (error) return resolve([]);
      const rows = stdout.split('\n').map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line));
      resolve(
        rows
          .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === parent)
          .map((m) => ({ pid: Number(m[1]), cwd: null, command: m[3] ?? '' })),
      );
    });
  });
}

async function linuxChild(pid: number, parent: number): Promise<Child | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited: it is not ComfyUI running.
  if (Number(ppid) !== parent || state === 'Z' || state === 'X') return null;
  return { pid, cwd: await readlink(`/proc/${pid}/cwd`).catch(() => null), command: null };
}

/** Is `child` the ComfyUI that `.startup_state.json` describes (or, without it, any managed ComfyUI)? */
function isComfyui(child: Child, startup: StartupState | null): boolean {
  if (startup?.workingDirectory && child.cwd !== null) return child.cwd === startup.workingDirectory;
  if (startup?.pythonExecutable && child.command !== null)
    return child.command.startsWith(startup.pythonExecutable);
  return (
    /[/\\]environments[/\\][^/\\]+[/\\]ComfyUI$/.test(child.cwd ?? '') || /main\.py/.test(child.command ?? '')
  );
}

/**
 * The ComfyUI that the supervisor `supervisorPid` runs, from the process table: its child started
 * in `.startup_state.json`'s working folder (the supervisor writes that file at each start). Null
 * when it has none, or the table cannot be read. A later helper package (`processes`) will own the
 * listing; this is the one reader of it in the CLI.
 */
export async function findComfyuiProcess(
  supervisorPid: number,
  startup: StartupState | null,
  { platform = process.platform, now = Date.now() }: { platform?: NodeJS.Platform; now?: number } = {},
): Promise<ComfyuiProcess | null> {
  const child = (await childrenOf(supervisorPid, platform)).find((c) => isComfyui(c, startup));
  if (!child) return null;
  const uptimeSeconds =
    startup && startup.timestamp > 0 ? Math.max(0, Math.round((now - startup.timestamp) / 1000)) : null;
  return { pid: child.pid, uptimeSeconds };
}
