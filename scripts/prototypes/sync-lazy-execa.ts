import { accessSync, constants } from 'node:fs';
import path from 'node:path';
// PROTOTYPE (scripts/bench-variants.ts): sync.ts with execa loaded on the first sync that runs a command.
// execa costs ~8 MB of RSS bundled and is never needed when sync is off or there is no `cg`.

/** The tooling venv that `comfyvisor setup` makes (it provides ComfyGit's `cg`). */
export function toolingVenvDir(workspace: string): string {
  return path.join(workspace, '.metadata', 'comfyvisor', 'venv');
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `cg` from the tooling venv, else from PATH; null when there is none. */
export function findCg(
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const venvBin = path.join(toolingVenvDir(workspace), platform === 'win32' ? 'Scripts' : 'bin');
  const names = platform === 'win32' ? ['cg.exe', 'cg.cmd', 'cg'] : ['cg'];
  for (const dir of [venvBin, ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)]) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (executable(candidate)) return candidate;
    }
  }
  return null;
}

export type SyncResult =
  | { ok: true; skipped: false; command: string[]; durationMs: number }
  | { ok: true; skipped: true; reason: string }
  | { ok: false; command: string[]; reason: string; outputTail: string; durationMs: number };

export interface SyncSettings {
  enabled: boolean;
  /** Replaces `cg -e <env> repair --yes --models skip`; `{env}` and `{workspace}` are substituted. */
  command: string[] | null;
  timeoutMs: number;
}

/** The sync step: a failure is a value (logged and shown by the caller), never a throw. */
export type SyncEnvironment = (environment: string, signal: AbortSignal) => Promise<SyncResult>;

export function createSync(
  workspace: string,
  settings: SyncSettings,
  env: NodeJS.ProcessEnv = process.env,
): SyncEnvironment {
  return async (environment, signal) => {
    if (!settings.enabled) return { ok: true, skipped: true, reason: 'sync is turned off' };
    let command: string[];
    if (settings.command) {
      command = settings.command.map((part) =>
        part.replaceAll('{env}', environment).replaceAll('{workspace}', workspace),
      );
    } else {
      const cg = findCg(workspace, env);
      if (!cg) return { ok: true, skipped: true, reason: 'no `cg` found (run `comfyvisor setup`)' };
      command = [cg, '-e', environment, 'repair', '--yes', '--models', 'skip'];
    }
    const started = performance.now();
    const [file, ...args] = command as [string, ...string[]];
    try {
      const { execa } = await import('supervisor-internal:execa');
      await execa(file, args, {
        env: { ...env, COMFYGIT_HOME: workspace },
        cwd: workspace,
        all: true,
        timeout: settings.timeoutMs,
        cancelSignal: signal,
        forceKillAfterDelay: 2_000,
        stdin: 'ignore',
      });
      return { ok: true, skipped: false, command, durationMs: performance.now() - started };
    } catch (error) {
      const failure = error as {
        timedOut?: boolean;
        isCanceled?: boolean;
        all?: string;
        shortMessage?: string;
        message: string;
      };
      const reason = failure.timedOut
        ? `timed out after ${Math.round(settings.timeoutMs / 1000)} s`
        : failure.isCanceled
          ? 'cancelled'
          : ((failure.shortMessage ?? failure.message).split('\n')[0] ?? 'failed');
      const outputTail = (failure.all ?? '').split('\n').slice(-20).join('\n');
      return { ok: false, command, reason, outputTail, durationMs: performance.now() - started };
    }
  };
}
