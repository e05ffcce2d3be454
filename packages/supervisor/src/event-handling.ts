import type { ComfyuiProcess } from './comfyui-process.ts';
import { restartNow } from './command-handling.ts';
import type { CoreParts } from './core-parts.ts';
import type { PlannedCommand } from './drain.ts';
import { actOnExit } from './exit-handling.ts';
import { decideExit } from './exit-policy.ts';
import type { Event, InstanceState, Next } from './instance-state.ts';
import { dumpStacks } from './stack-dump.ts';
import type { WatchdogDetail } from './supervisor-command.ts';
import { acceptSwitch } from './switch-intake.ts';

/** One event while ComfyUI runs: what to do next, or 'wait' to keep waiting. */
export async function handleEvent(
  parts: CoreParts,
  state: InstanceState,
  event: Event,
  proc: ComfyuiProcess,
): Promise<Next | 'wait'> {
  const { work } = state;
  switch (event.kind) {
    case 'signal':
      return state.stopFor(event);
    case 'hung':
      return onHung(parts, state, event, proc);
    case 'exit':
      return onExit(parts, state, event, proc);
    case 'drained': {
      const command = work.drain.end(event.outcome);
      return command ? act(parts, state, command) : 'wait';
    }
    case 'command': {
      const { command } = event;
      if (command.command === 'abort_switch') return state.stopFor(event);
      if (command.command === 'restart' && event.receivedAt < state.lastStartAt && !work.drain.active) {
        parts.logger.debug('restart merged with the one just done');
        return 'wait';
      }
      return plan(parts, state, command, proc);
    }
  }
}

/**
 * ComfyUI is hung: its threads' stacks to comfyui.log, then stopped. A command that waited for its
 * prompt happens now (a stop stops); otherwise the crash policy starts it again.
 */
async function onHung(
  parts: CoreParts,
  state: InstanceState,
  event: Extract<Event, { kind: 'hung' }>,
  proc: ComfyuiProcess,
): Promise<Next | 'wait'> {
  const { recovery, world } = parts;
  const { work } = state;
  work.lost(state.current);
  const waited = work.drain.active ? work.drain.end('exited') : null;
  const dumped = await dumpStacks(proc, { platform: world.platform });
  if (waited) {
    const { failures } = event;
    parts.record({ type: 'hung', env: state.current, pid: proc.pid, failures, stack_dump: dumped });
    parts.logger.warn(
      `ComfyUI (pid ${proc.pid}) is hung while a ${waited.command} waited for its prompt; ${waited.command} now`,
    );
    await state.stopProc();
    return act(parts, state, waited);
  }
  await recovery.hung(state.current, proc, event.failures, dumped);
  const exit = (await state.stopProc()) ?? { code: null, signal: 'SIGKILL' };
  const why = state.phase.signal;
  const code = await recovery.afterFailure(state.current, exit, proc, state.usedExtraArgs, 'hung', why);
  return code === null ? null : { stop: code };
}

/**
 * ComfyUI exited. What a person asked and was waiting for (the drain) still happens: a stop always,
 * a restart or a switch instead of the crash policy; ComfyUI's own 0, 42 and 43 are its own wish.
 */
async function onExit(
  parts: CoreParts,
  state: InstanceState,
  event: Extract<Event, { kind: 'exit' }>,
  proc: ComfyuiProcess,
): Promise<Next | 'wait'> {
  const { work } = state;
  parts.launcher.exitSeenAt = parts.world.clock.now();
  const waited = work.drain.active ? work.drain.end('exited') : null;
  const { code, signal } = event.exit;
  const planned = signal === null && [0, 42, 43].includes(code ?? -1);
  if (!planned) work.lost(state.current);
  work.stopped();
  if (waited && (waited.command === 'shutdown' || !planned)) {
    const meaning = decideExit(event.exit, false).action;
    parts.record({ type: 'comfyui_exit', env: state.current, pid: proc.pid, code, signal, meaning });
    parts.logger.warn(
      `ComfyUI exited (${signal ?? `code ${code}`}) while a ${waited.command} waited for its prompt; ${waited.command} now`,
    );
    return act(parts, state, waited);
  }
  const run = {
    env: state.current,
    exit: event.exit,
    proc,
    usedExtraArgs: state.usedExtraArgs,
    signal: state.phase.signal,
  };
  return follow(state, await actOnExit(parts, run));
}

/** A planned restart, stop or switch: waits for the running prompt (the drain) unless forced. */
async function plan(
  parts: CoreParts,
  state: InstanceState,
  command: PlannedCommand,
  proc: ComfyuiProcess,
): Promise<Next | 'wait'> {
  const { work } = state;
  if (work.drain.active) {
    if (command.force !== true) {
      work.drain.replace(command);
      return 'wait';
    }
    work.drain.end('forced');
    return act(parts, state, command);
  }
  if (command.command === 'switch') {
    // refused at once (the current environment stays), else `preparing` while it drains
    const env = await acceptSwitch(parts.flow, command.targetEnv, state.current, state.current);
    if (!parts.flow.active) return 'wait';
    if (work.watch && work.drain.applies(command, work.watch)) {
      await work.drain.begin(command, work.watch, (outcome) =>
        state.mailbox.push({ kind: 'drained', proc, outcome }),
      );
      return 'wait';
    }
    return switchNow(state, env);
  }
  if (work.watch && work.drain.applies(command, work.watch)) {
    await work.drain.begin(command, work.watch, (outcome) =>
      state.mailbox.push({ kind: 'drained', proc, outcome }),
    );
    return 'wait';
  }
  return act(parts, state, command);
}

/** Does what a planned command asked, now. */
async function act(parts: CoreParts, state: InstanceState, command: PlannedCommand): Promise<Next | 'wait'> {
  const { work } = state;
  if (command.command === 'shutdown') {
    await work.dropPending(state.current, 'the supervisor stops');
    return state.stopFor({ kind: 'command', command, receivedAt: 0 });
  }
  if (command.command === 'switch') {
    if (!parts.flow.active) {
      // a switch that waited for the drain was begun before it; one forced in now is begun here
      const env = await acceptSwitch(parts.flow, command.targetEnv, state.current, state.current);
      if (!parts.flow.active) return 'wait';
      return switchNow(state, env);
    }
    return switchNow(state, parts.flow.phase?.target ?? command.targetEnv);
  }
  if (command.reason === 'fatal_output') return restartAfterFatal(parts, state, command.detail ?? {});
  await work.keepPendingForRestart(state.current);
  const why = { reason: command.reason, detail: command.detail };
  return follow(state, await restartNow(parts, state.current, () => state.stopProc(), why));
}

/** A fatal output line: ComfyUI is broken, so it is stopped at once and the crash policy decides. */
async function restartAfterFatal(
  parts: CoreParts,
  state: InstanceState,
  detail: WatchdogDetail,
): Promise<Next> {
  const proc = state.proc;
  parts.logger.warn(`ComfyUI printed a fatal line; restarting it: ${detail.line ?? ''}`);
  state.work.lost(state.current);
  const exit = (await state.stopProc()) ?? { code: null, signal: 'SIGKILL' };
  if (!proc) return null;
  const code = await parts.recovery.afterFailure(
    state.current,
    exit,
    proc,
    state.usedExtraArgs,
    'fatal_output',
    state.phase.signal,
    detail,
  );
  return code === null ? null : { stop: code };
}

async function switchNow(state: InstanceState, env: string): Promise<Next> {
  await state.work.dropPending(
    state.current,
    `a switch to ${env} does not carry them to another environment`,
  );
  await state.stopProc();
  state.current = env;
  return null;
}

function follow(
  state: InstanceState,
  after: { next: 'stop'; code: number } | { next: 'start'; env: string } | { next: 'wait' },
): Next | 'wait' {
  if (after.next === 'wait') return 'wait';
  if (after.next === 'stop') return { stop: after.code };
  state.current = after.env;
  return null;
}
