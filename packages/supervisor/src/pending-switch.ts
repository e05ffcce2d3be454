import type { Logger } from './logger.ts';
import type { MetadataStore } from './metadata-store.ts';
import type { SwitchFlow } from './switch-flow.ts';

const IN_PROGRESS = new Set(['preparing', 'syncing', 'starting', 'validating', 'rolling_back']);

/**
 * What a new supervisor finds at start-up. A switch request already waiting is honoured first
 * (started lazily for it, by the panel side: roll back to where it came from if that can start,
 * else to the environment we were started with). Otherwise a switch left in progress by a
 * supervisor that died is closed (we hold the workspace now): run again when we were started for
 * its target, else ended as rolled back; its lock goes either way. Returns the environment to run.
 */
export async function takeOverSwitches(
  store: MetadataStore,
  flow: SwitchFlow,
  logger: Logger,
  current: string,
): Promise<string> {
  const found = await store.takeSwitchRequest();
  if (found.kind === 'invalid') {
    await flow.refuse(`the switch request is unreadable (${found.reason})`, null, current);
    return current;
  }
  if (found.kind === 'ok') {
    const problem = flow.reject(found.targetEnv);
    if (problem) {
      await flow.refuse(problem, found.targetEnv, current);
      return current;
    }
    const source = found.sourceEnv && flow.reject(found.sourceEnv) === null ? found.sourceEnv : current;
    await flow.begin(found.targetEnv, source);
    return found.targetEnv;
  }
  const status = await store.readStatus();
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
