import { join } from 'node:path';
import { createSupervisor, type Reaper, type Settings } from '@comfyvisor/supervisor';
import type { CreateRunner } from './instance-runner.ts';

/**
 * Each instance under the supervisor's core, as `comfyvisor run` supervises one: exit 42 restarts,
 * a crash is restarted with backoff until the crash policy gives up, a hung ComfyUI is restarted,
 * a planned stop drains the running prompt, and stop ends the whole process tree. Every instance
 * gets its own session path under `sessionDir` (ComfyUI-Manager's reboot marker); the lifeline is
 * the worker's one `reaper`.
 */
export function createCoreRunner(options: { sessionDir: string; reaper: Reaper | null }): CreateRunner {
  return (runner) =>
    createSupervisor({
      workspace: runner.workspace,
      environment: runner.environment,
      args: runner.args,
      env: runner.env,
      session: join(options.sessionDir, `.comfyvisor-session-${process.pid}-${runner.environment}`),
      settings: runner.settings as Partial<Settings> | undefined,
      logger: runner.logger,
      record: runner.record,
      output: runner.output,
      reaper: options.reaper,
    });
}
