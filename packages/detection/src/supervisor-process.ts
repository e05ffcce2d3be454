import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessRunning, readCommandLine, readWorkingDirectory } from '@comfyvisor/processes';

/**
 * The title our supervisor gives itself once it holds the pid file (`process.title`, which Linux
 * and macOS show as its command line): `comfyvisor supervisor <workspace>`.
 */
export const SUPERVISOR_TITLE = 'comfyvisor supervisor ';
/** The name of the CLI package whose `run` command is our supervisor. */
const CLI_PACKAGE = '@comfyvisor/cli';
const MANIFEST_MAX_BYTES = 64 * 1024;
// A FIFO put where a package.json would be never blocks the open.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function readSmallFile(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, OPEN_FLAGS);
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MANIFEST_MAX_BYTES) return null;
    return readFileSync(fd, 'utf8');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function nameOf(text: string): string | null | undefined {
  try {
    const name = (JSON.parse(text) as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return null;
  }
}

/** The `name` of the nearest named package.json above `file` (a few levels at most), or null. */
function packageOf(file: string): string | null {
  let dir = path.dirname(file);
  for (let level = 0; level < 5; level++) {
    const text = readSmallFile(path.join(dir, 'package.json'));
    // a package.json without a name (a `{"type": "module"}` marker) does not end the search
    const name = text === null ? undefined : nameOf(text);
    if (name !== undefined) return name;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}

/** Is this argv word the comfyvisor CLI: a `comfyvisor` launcher, or a file of the CLI package? */
function isCliEntry(word: string, cwd: () => string | null): boolean {
  if (path.basename(word).replace(/\.[cm]?js$/, '') === 'comfyvisor') return true;
  if (!word.includes('/')) return false;
  if (path.isAbsolute(word)) return packageOf(word) === CLI_PACKAGE;
  const dir = cwd();
  return dir !== null && packageOf(path.resolve(dir, word)) === CLI_PACKAGE;
}

/**
 * Does this command line belong to a supervisor? Ours once it runs (its title), ours while it
 * starts (`<node> <the CLI's entry> run ...`, the entry known by its package, not its folder), or
 * the Python orchestrator (`orchestrator.py`).
 */
export function isSupervisorCommandLine(
  argv: readonly string[],
  cwd: () => string | null = () => null,
): boolean {
  if (argv.join(' ').startsWith(SUPERVISOR_TITLE)) return true;
  if (argv.some((word) => path.basename(word) === 'orchestrator.py')) return true;
  return argv.some((word, i) => argv[i + 1] === 'run' && isCliEntry(word, cwd));
}

export interface SupervisorCheck {
  platform?: NodeJS.Platform | undefined;
  /** Running and not a zombie. @default isProcessRunning from @comfyvisor/processes */
  isAlive?: ((pid: number) => boolean) | undefined;
  /** argv of `pid`, null when unreadable. @default readCommandLine from @comfyvisor/processes */
  commandLine?: ((pid: number) => readonly string[] | null) | undefined;
  /** The working folder of `pid`, for a relative CLI path. @default /proc/<pid>/cwd on Linux */
  cwd?: ((pid: number) => string | null) | undefined;
}

/**
 * Is `pid` running and really a supervisor (comfyvisor or the Python orchestrator) rather than an
 * unrelated process that got a reused pid? Recognised by what it is, not by where it is
 * installed: see {@link isSupervisorCommandLine}. Where the command line cannot be read
 * (Windows; macOS without `ps`), a running pid is trusted.
 */
export function isSupervisorProcess(pid: number, check: SupervisorCheck = {}): boolean {
  const platform = check.platform ?? process.platform;
  if (!(check.isAlive ?? ((p: number) => isProcessRunning(p, { platform })))(pid)) return false;
  if (platform === 'win32') return true;
  const argv = (check.commandLine ?? ((p: number) => readCommandLine(p, { platform })))(pid);
  if (argv === null) return platform !== 'linux';
  const cwd = check.cwd ?? ((p: number) => readWorkingDirectory(p, { platform }));
  return isSupervisorCommandLine(argv, () => cwd(pid));
}
