import type { ComfyuiExit } from './comfyui-process.ts';
import type { CoreParts } from './core-parts.ts';
import type { WatchdogDetail, WatchdogReason } from './supervisor-command.ts';

/** A restart asked by a person, a program or a watchdog: ComfyUI stopped, then started again in `env`. */
export async function restartNow(
  parts: CoreParts,
  env: string,
  stop: () => Promise<ComfyuiExit | null>,
  why: { reason?: WatchdogReason | undefined; detail?: WatchdogDetail | undefined } = {},
): Promise<{ next: 'start'; env: string }> {
  const reason = why.reason ?? 'command';
  parts.logger.info(`restart ${why.reason ? `(${why.reason}) ` : ''}requested; stopping ComfyUI`);
  parts.record({ type: 'restart', env, reason, ...why.detail });
  await stop();
  parts.recovery.reset();
  return { next: 'start', env };
}

/** A signal, shutdown or abort_switch: ComfyUI is stopped; leave a final status and no lock. Exit 0. */
export async function stopForUrgent(
  parts: CoreParts,
  why: { signal: NodeJS.Signals } | { command: 'shutdown' | 'abort_switch' },
  current: string,
): Promise<number> {
  const { flow, logger } = parts;
  if ('command' in why && why.command === 'abort_switch') {
    await flow.abort(current);
    await parts.switches.takeSwitchRequest();
    logger.info('switch aborted; shutting down so the manual process can take over');
    return 0;
  }
  const phase = flow.phase;
  if (phase) {
    const reason = 'signal' in why ? `the supervisor received ${why.signal}` : 'a shutdown was requested';
    await flow.critical(
      `Stopped during the switch to ${phase.target} (${reason})`,
      'Nothing is running: start ComfyUI again with `comfyvisor run`',
    );
  }
  logger.info('signal' in why ? `stopped on ${why.signal}` : 'shutdown requested; stopped');
  return 0;
}
