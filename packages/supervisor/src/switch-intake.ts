import type { CoreParts } from './core-parts.ts';
import type { Logger } from './logger.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import type { SwitchChannel, TakenRequest } from './switch-channel.ts';
import type { SwitchFlow } from './switch-flow.ts';

const IN_PROGRESS = new Set(['preparing', 'syncing', 'starting', 'validating', 'rolling_back']);

/**
 * The one intake of a switch, however it was asked (a command, exit 43's request file, a request
 * waiting at start-up): a target that cannot be started is refused (`rolled_back`, the current
 * environment stays), else the switch begins. Returns the environment to run next.
 */
export async function acceptSwitch(
  flow: SwitchFlow,
  target: string,
  source: string | null,
  current: string,
): Promise<string> {
  const problem = flow.reject(target);
  if (problem) {
    await flow.refuse(problem, target, current);
    return current;
  }
  await flow.begin(target, source);
  return target;
}

/** A taken `.switch_request.json`: missing (exit 43 without one) or unreadable is refused. */
export async function acceptRequest(
  flow: SwitchFlow,
  found: TakenRequest,
  current: string,
  source: string = current,
): Promise<string> {
  if (found.kind === 'missing') {
    await flow.refuse('exit 43 without a switch request', null, current);
    return current;
  }
  if (found.kind === 'invalid') {
    await flow.refuse(`the switch request is unreadable (${found.reason})`, null, current);
    return current;
  }
  return acceptSwitch(flow, found.targetEnv, source, current);
}

/**
 * What a new supervisor finds at start-up. A switch request already waiting is honoured first
 * (started lazily for it, by the panel side: roll back to where it came from if that can start,
 * else to the environment we were started with). Otherwise a switch left in progress by a
 * supervisor that died is closed (we hold the workspace now): run again when we were started for
 * its target, else ended as rolled back; its lock goes either way. Returns the environment to run.
 */
export async function takeOverSwitches(
  switches: SwitchChannel,
  flow: SwitchFlow,
  logger: Logger,
  current: string,
): Promise<string> {
  const found = await switches.takeSwitchRequest();
  if (found.kind !== 'missing') {
    const from = found.kind === 'ok' ? found.sourceEnv : null;
    return acceptRequest(flow, found, current, from && flow.reject(from) === null ? from : current);
  }
  const status = await switches.readStatus();
  if (!status || !IN_PROGRESS.has(status.state)) return current;
  const target = typeof status.targetEnv === 'string' ? status.targetEnv : null;
  const source = typeof status.sourceEnv === 'string' ? status.sourceEnv : null;
  logger.warn(`a switch to ${target ?? '(unknown)'} was left ${status.state} by a supervisor that stopped`);
  if (target === current && flow.reject(target) === null) {
    await flow.begin(target, source && flow.reject(source) === null ? source : null);
    return current;
  }
  await flow.refuse(
    `the switch to ${target ?? '(unknown)'} was interrupted when its supervisor stopped`,
    target,
    current,
  );
  return current;
}

/** What a switch asked through an API gets: accepted, or why not (with an HTTP status). */
export type SwitchAnswer = { ok: true } | { ok: false; status: 400 | 404 | 409; error: string };

/** A switch asked through an API: checked, then the lock taken (the panel side takes it for `.cmd`). */
export async function requestSwitch(
  parts: CoreParts,
  target: string,
  options: { force?: boolean },
  send: (command: SupervisorCommand) => void,
): Promise<SwitchAnswer> {
  const found = parts.store.environment(target);
  if (!found.ok)
    return { ok: false, status: found.reason.startsWith('invalid') ? 400 : 404, error: found.reason };
  if (parts.flow.active || !(await parts.switches.acquireLock()))
    return { ok: false, status: 409, error: 'a switch is already in progress' };
  send({ command: 'switch', targetEnv: target, ...(options.force ? { force: true } : {}) });
  return { ok: true };
}
