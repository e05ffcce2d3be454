import type { Logger } from './logger.ts';
import type { RecordEvent } from './supervisor-event.ts';
import type { SwitchFlow } from './switch-flow.ts';
import type { SyncEnvironment } from './sync.ts';

/**
 * The sync before each start (ComfyGit's `cg repair`): its outcome is logged, recorded and, during a
 * switch, shown in the status; a failed sync never stops the start (as the Python supervisor).
 */
export async function syncStep(
  env: string,
  signal: AbortSignal,
  sync: SyncEnvironment,
  flow: SwitchFlow,
  logger: Logger,
  record: RecordEvent,
): Promise<void> {
  await flow.step('syncing', env);
  const result = await sync(env, signal);
  if (result.ok && result.skipped) logger.debug(`sync skipped: ${result.reason}`);
  else if (result.ok) logger.info(`synced ${env} in ${Math.round(result.durationMs)} ms`);
  else {
    logger.warn(`sync of ${env} failed (${result.reason}); starting anyway`);
    if (result.outputTail) logger.debug(result.outputTail);
    await flow.step('syncing', env, result.reason);
  }
  record({
    type: 'sync',
    env,
    ok: result.ok,
    skipped: result.ok && result.skipped,
    durationMs: 'durationMs' in result ? Math.round(result.durationMs) : null,
    ...(!result.ok ? { reason: result.reason } : {}),
  });
}
