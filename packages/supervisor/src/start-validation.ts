import type { HealthResult } from '@comfyvisor/health';
import type { ComfyuiExit, ComfyuiProcess } from './comfyui-process.ts';
import type { CoreParts } from './core-parts.ts';
import { EXIT_RESTART } from './exit-policy.ts';

/** What the health check of a switch's target (or of the source after a rollback) leads to. */
export type Verdict =
  | { next: 'healthy' }
  | { next: 'aborted' }
  /** Start `env` again: the rollback's source, or the same one after a restart it asked for. */
  | { next: 'start'; env: string }
  | { next: 'give-up'; code: number };

/**
 * Health-checks the ComfyUI just started during a switch. Healthy: the switch completes (or the
 * rollback ends). Sick: it is stopped and the switch rolls back, or, with nothing to roll back to,
 * counts as a crash. An exit 42 while checked is ComfyUI asking for a restart, not a failure: it is
 * restarted and checked again.
 */
export async function validateStart(
  parts: CoreParts,
  run: {
    env: string;
    proc: ComfyuiProcess;
    signal: AbortSignal;
    usedExtraArgs: boolean;
    stop: () => Promise<ComfyuiExit | null>;
  },
): Promise<Verdict> {
  const { flow, logger, record, recovery } = parts;
  const { env, proc, signal } = run;
  await flow.step('validating', env);
  const health = await parts.healthCheck(proc, signal);
  record({ type: 'health', env, healthy: health.healthy, afterMs: Math.round(health.afterMs) });
  if (signal.aborted) return { next: 'aborted' };
  if (health.healthy) {
    logger.info(`${env} is healthy after ${Math.round(health.afterMs)} ms`);
    await flow.afterHealthCheck(env, true, '');
    recovery.reset();
    return { next: 'healthy' };
  }
  const exit = (await run.stop()) ?? { code: health.exitCode ?? null, signal: null };
  if (health.reason === 'exited' && health.exitCode === EXIT_RESTART) {
    logger.info(`${env} asked for a restart (exit 42) while being checked; restarting it and checking again`);
    record({
      type: 'comfyui_exit',
      env,
      pid: proc.pid,
      code: EXIT_RESTART,
      signal: null,
      meaning: 'restart',
    });
    record({ type: 'restart', env, reason: 'exit_42' });
    return { next: 'start', env };
  }
  const why = describeSickness(health);
  logger.warn(`health check of ${env} failed: ${why}`);
  if (health.reason === 'exited') {
    // It died while being checked: a crash, for the history and the metrics too.
    const code = health.exitCode ?? null;
    record({ type: 'comfyui_exit', env, pid: proc.pid, code, signal: null, meaning: 'crash' });
  }
  const instead = await flow.afterHealthCheck(env, false, why);
  if (instead) return { next: 'start', env: instead.source };
  const code = await recovery.afterFailure(env, exit, proc, run.usedExtraArgs, 'crash', signal);
  return code === null ? { next: 'start', env } : { next: 'give-up', code };
}

function describeSickness(health: Exclude<HealthResult, { healthy: true }>): string {
  if (health.reason === 'exited') return `exited with code ${health.exitCode}`;
  return health.reason === 'timeout' ? 'did not become healthy in time' : 'aborted';
}
