import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessGroupAlive as groupAlive, signalProcessGroup as signalGroup } from '@comfyvisor/processes';
import type { InstanceLog } from './instance-log.ts';

export interface ImportOptions {
  /** How `cg` is called. @default ['cg'] (looked up on PATH) */
  cgCommand: string[];
  workspace: string;
  /** The whole environment of `cg` (the worker's, plus COMFYGIT_HOME). */
  env: NodeJS.ProcessEnv;
  importSource: string;
  environmentName: string;
  branch: string | null;
  log: InstanceLog;
  /** Aborting ends the import (SIGTERM to its group, SIGKILL after `killAfterMs`). */
  signal: AbortSignal;
  /** @default 5000 */
  killAfterMs?: number;
}

export type ImportResult =
  | { ok: true; skipped: boolean }
  | { ok: false; reason: 'aborted' | 'failed'; detail: string };

/** The argv of the reference's import: `cg import <source> --name <env> -y --models all [--branch B]`. */
export function importArgs(source: string, environmentName: string, branch: string | null): string[] {
  const args = ['import', source, '--name', environmentName, '-y', '--models', 'all'];
  return branch ? [...args, '--branch', branch] : args;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Makes `<workspace>/environments/<env>` with `cg import` (skipped when its ComfyUI/ folder is
 * already there, as the reference does). `cg`'s output goes to the instance's log.
 */
export function importEnvironment(options: ImportOptions): Promise<ImportResult> {
  const envDir = join(options.workspace, 'environments', options.environmentName);
  if (isDir(join(envDir, 'ComfyUI'))) {
    options.log.note(`environment ${options.environmentName} is already there; import skipped`);
    return Promise.resolve({ ok: true, skipped: true });
  }
  if (options.signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted', detail: 'stopped' });
  const [command = 'cg', ...prefix] = options.cgCommand;
  const args = [...prefix, ...importArgs(options.importSource, options.environmentName, options.branch)];
  options.log.note(
    `$ cg ${importArgs(options.importSource, options.environmentName, options.branch).join(' ')}`,
  );
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...options.env, COMFYGIT_HOME: options.workspace },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => options.log.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => options.log.write(chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (!child.pid) return;
      options.log.note('import ended: the instance was stopped or deleted');
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (child.pid && groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
      }, options.killAfterMs ?? 5_000);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (result: ImportResult) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    child.on('error', (error) => {
      options.log.note(`import could not start: ${error.message}`);
      finish({ ok: false, reason: 'failed', detail: `cg could not be started (${error.message})` });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      // the group may still hold children of cg: end them before anything else runs
      if (child.pid && groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
      clearTimeout(killTimer);
      if (options.signal.aborted) return finish({ ok: false, reason: 'aborted', detail: 'stopped' });
      if (code === 0) return finish({ ok: true, skipped: false });
      const detail = `cg import exited with ${code ?? signal}`;
      options.log.note(detail);
      finish({ ok: false, reason: 'failed', detail });
    });
  });
}
