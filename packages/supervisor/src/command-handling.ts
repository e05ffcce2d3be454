import type { ComfyuiExit } from './comfyui-process.ts';
import type { CoreParts } from './core-parts.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import { acceptSwitch } from './switch-intake.ts';

/** What a command leads to: stop with a code, start `env` (again, or a switch's target), or go on waiting. */
export type AfterCommand = { next: 'stop'; code: number } | { next: 'start'; env: string } | { next: 'wait' };

/** The running ComfyUI as a command sees it. */
export interface CommandTarget {
  env: string;
  /** When the running ComfyUI was spawned (monotonic). */
  startedAt: number;
  stop(): Promise<ComfyuiExit | null>;
}

/**
 * restart and switch while ComfyUI runs (shutdown and abort_switch are urgent, see `stopForUrgent`).
 * A restart asked before the running ComfyUI was started is answered by that start (merged).
 */
export async function actOnCommand(
  parts: CoreParts,
  command: Extract<SupervisorCommand, { command: 'restart' | 'switch' }>,
  receivedAt: number,
  target: CommandTarget,
): Promise<AfterCommand> {
  const { logger, record, recovery, flow } = parts;
  if (command.command === 'restart') {
    if (receivedAt < target.startedAt) {
      logger.debug('restart merged with the one just done');
      return { next: 'wait' };
    }
    logger.info('restart requested; stopping ComfyUI');
    record({ type: 'restart', env: target.env, reason: 'command' });
    await target.stop();
    recovery.reset();
    return { next: 'start', env: target.env };
  }
  const env = await acceptSwitch(flow, command.targetEnv, target.env, target.env);
  if (!flow.active) return { next: 'wait' }; // refused: the current environment stays
  await target.stop();
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
