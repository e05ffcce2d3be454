import { execFile, execFileSync } from 'node:child_process';

/** Runs a command and resolves with its stdout; null when it is not installed or failed silently. */
export type RunCommand = (file: string, args: string[]) => Promise<string | null>;
/** The same, synchronous (for checks made inside synchronous callers). */
export type RunCommandSync = (file: string, args: string[]) => string | null;

/** Where the process table is read from, injectable so unit tests need no real processes. */
export interface ProcessOptions {
  /** Linux's process information. @default '/proc' */
  procRoot?: string | undefined;
  /** @default process.platform */
  platform?: NodeJS.Platform | undefined;
  /** Runs `ps` and `lsof` where /proc is missing (macOS). @default execFile with a 3 s timeout */
  run?: RunCommand | undefined;
  /** The synchronous twin of `run`. @default execFileSync with a 2 s timeout */
  runSync?: RunCommandSync | undefined;
}

const LIMITS = { encoding: 'utf8' as const, maxBuffer: 16 * 1024 * 1024 };

/** The one place `ps` and `lsof` are run. An exit with output (lsof's 1 for "no match") is an answer. */
export function runCommand(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { ...LIMITS, timeout: 3_000 }, (error, stdout) => {
      if (!error || stdout) return resolve(stdout);
      resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? null : '');
    });
  });
}

export function runCommandSync(file: string, args: string[]): string | null {
  try {
    return execFileSync(file, args, { ...LIMITS, timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout;
    return typeof stdout === 'string' && stdout !== '' ? stdout : null;
  }
}

export function resolveOptions(options: ProcessOptions = {}) {
  return {
    procRoot: options.procRoot ?? '/proc',
    platform: options.platform ?? process.platform,
    run: options.run ?? runCommand,
    runSync: options.runSync ?? runCommandSync,
  };
}

export type ResolvedOptions = ReturnType<typeof resolveOptions>;

/** Platforms whose process table is read with `ps` (and `lsof`). */
export function usesPs(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd';
}
