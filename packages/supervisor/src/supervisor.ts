import { httpLivenessProbe } from './comfyui-checks.ts';
import type { ComfyuiProcess } from './comfyui-process.ts';
import { ComfyuiWork } from './comfyui-work.ts';
import { buildParts, type CoreParts, type SupervisorDeps } from './core-parts.ts';
import type { DrainView } from './drain.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { handleEvent } from './event-handling.ts';
import { InstanceState, isUrgentShutdown, type Next } from './instance-state.ts';
import type { LaunchTarget } from './launch-plan.ts';
import { watchLiveness } from './liveness.ts';
import { validateStart } from './start-validation.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import { requestSwitch, type SwitchAnswer, takeOverSwitches } from './switch-intake.ts';
import { syncStep } from './sync-step.ts';
import { type MemoryView, Watchdogs } from './watchdogs/watchdog-loop.ts';

export type { SupervisorDeps };

/** What the control API and the worker show of one supervised ComfyUI. */
export interface SupervisorSnapshot {
  pid: number;
  currentEnv: string;
  switching: { target: string; source: string | null } | null;
  comfyui: {
    pid: number;
    running: boolean;
    uptimeMs: number;
    ready: boolean;
    /** Its queue at the last look (null before any). */
    queue: { running: number; pending: number } | null;
    /** Its tree's memory and VRAM at the last sample and the restart limits; null when neither memory watchdog is on. */
    memory: MemoryView | null;
  } | null;
  /** A planned stop waiting for the running prompt, or null. */
  draining: DrainView | null;
}

/**
 * The core: supervises ONE ComfyUI. Sync, start, wait, act on the exit code (0 stop, 42 restart, 43
 * switch, else crash), switches health-checked and rolled back, hangs and watchdogs, planned stops
 * that wait for the running prompt, commands. It owns no process-wide resource (pid file, signals,
 * lifeline) and no wire file: its store, switches, clock and spawn are given; many fit one process.
 */
export class Supervisor {
  private readonly parts: CoreParts;
  private readonly state: InstanceState;
  private readonly livenessProbe: (signal: AbortSignal) => Promise<boolean>;
  /** A SIGTERM is draining (drain_on_sigterm): the next one stops at once. */
  private drainingForSignal = false;
  private readonly watchdogs: Watchdogs;

  constructor(deps: SupervisorDeps) {
    const output = {
      write: (chunk: Buffer) => {
        deps.output?.write(chunk);
        this.state.work.watch?.feed(chunk);
        this.watchdogs.feed(chunk);
      },
    };
    this.parts = buildParts({ ...deps, output });
    this.state = new InstanceState(deps.environment, this.parts, new ComfyuiWork(this.parts, deps.queue));
    this.livenessProbe = deps.livenessProbe ?? httpLivenessProbe(deps.args, deps.settings);
    this.watchdogs = new Watchdogs(this.parts, this.state.work, (command) => this.send(command));
  }

  snapshot(): SupervisorSnapshot {
    const { state, parts } = this;
    const [phase, proc] = [parts.flow.phase, state.proc];
    const running = proc?.running ?? false;
    return {
      pid: parts.world.pid,
      currentEnv: state.current,
      switching: phase ? { target: phase.target, source: phase.source } : null,
      comfyui: proc
        ? {
            pid: proc.pid,
            running,
            uptimeMs: running ? parts.world.clock.now() - state.lastStartAt : 0,
            ready: running && state.ready,
            queue: running ? state.work.view().queue : null,
            memory: this.watchdogs.view(),
          }
        : null,
      draining: state.work.drain.view(),
    };
  }

  /** Queues a command (from `.cmd`, the control API, or a caller). Acted on at once, or after the drain. */
  send(command: SupervisorCommand): void {
    const what = command.command === 'switch' ? `switch ${command.targetEnv}` : command.command;
    const forced = 'force' in command && command.force ? ' (forced)' : '';
    this.parts.logger.info(`command: ${what}${forced}`);
    this.state.mailbox.push({ kind: 'command', command, receivedAt: this.parts.world.clock.now() });
    if (command.command === 'abort_switch' || isUrgentShutdown(command, this.state)) this.state.phase.abort();
  }

  /** SIGTERM/SIGINT: stop ComfyUI's whole group (SIGKILL after the grace) and exit 0; drains with `drain_on_sigterm`. */
  signal(signal: NodeJS.Signals): void {
    const { settings } = this.parts.deps;
    if (settings.drainOnSigterm && !this.drainingForSignal && this.state.work.busy) {
      this.drainingForSignal = true;
      this.parts.logger.info(`received ${signal}; stopping after the running prompt (again to stop now)`);
      this.send({ command: 'shutdown' });
      return;
    }
    this.parts.logger.info(`received ${signal}, stopping`);
    this.state.mailbox.push({ kind: 'signal', signal });
    this.state.phase.abort();
  }

  /** The switch status `GET /status` serves: the one stored, or the one meant when it could not be. */
  switchStatus(): Promise<Record<string, unknown> | null> {
    return this.parts.status.current();
  }

  /** A second Ctrl-C: no more grace. */
  forceKill(): void {
    this.state.proc?.signal('SIGKILL');
  }

  /** A switch asked through an API: checked, then the lock taken (the panel side takes it for `.cmd`). */
  requestSwitch(target: string, options: { force?: boolean } = {}): Promise<SwitchAnswer> {
    return requestSwitch(this.parts, target, options, (command) => this.send(command));
  }

  /** Runs until ComfyUI exits cleanly, a shutdown, a signal, or giving up on crashes. */
  async run(): Promise<number> {
    const [{ store, logger, record, world }, state] = [this.parts, this.state];
    await store.tidy();
    record({ type: 'supervisor_start', env: state.current, pid: world.pid });
    let code = 1;
    try {
      state.current = await takeOverSwitches(this.parts.switches, this.parts.flow, logger, state.current);
      logger.info(`supervising ${state.current}`);
      for (;;) {
        if (state.phase.signal.aborted) state.phase = new AbortController();
        const next = (await state.takeUrgent()) ?? (await this.startAndWatch());
        if (next) {
          code = next.stop;
          return code;
        }
      }
    } finally {
      if (state.proc?.running) await state.stopProc();
      state.work.stopped();
      this.watchdogs.close();
      await store.tidy();
      record({ type: 'supervisor_stop', reason: code === 0 ? 'stopped' : 'gave up', exitCode: code });
    }
  }

  /** One round: sync, start, validate during a switch, then wait for what ComfyUI or a person does. */
  private async startAndWatch(): Promise<Next> {
    const { deps, flow, launcher, recovery } = this.parts;
    const { state } = this;
    const target = await this.usableTarget();
    if (typeof target === 'number') return { stop: target };
    if (target === null) return null;
    const first = state.lastStartAt === Number.NEGATIVE_INFINITY;
    await Promise.all([
      syncStep(state.current, state.phase.signal, deps.sync, flow, this.parts.logger, this.parts.record),
      first ? deps.beforeFirstStart?.(state.phase.signal) : undefined,
    ]);
    const urgent = await state.takeUrgent();
    if (urgent) return urgent;
    await flow.step('starting', state.current);
    state.work.started(state.current);
    const started = await launcher.start(target, recovery.skipExtraArgs);
    const proc = started.proc;
    Object.assign(state, {
      proc,
      ready: false,
      usedExtraArgs: started.usedExtraArgs,
      lastStartAt: started.startedAt,
    });
    proc.exited.then((exit) => state.mailbox.push({ kind: 'exit', proc, exit }));
    this.watchdogs.started(proc);
    let validated = false;
    if (flow.phase) {
      const run = {
        env: state.current,
        proc,
        signal: state.phase.signal,
        usedExtraArgs: state.usedExtraArgs,
      };
      const verdict = await validateStart(this.parts, { ...run, stop: () => state.stopProc() });
      if (verdict.next === 'give-up') return { stop: verdict.code };
      if (verdict.next === 'start') {
        state.current = verdict.env;
        return null;
      }
      validated = verdict.next === 'healthy';
      if (validated) state.markReady(proc);
    }
    return (await state.takeUrgent()) ?? this.waitForExitOrCommand(proc, validated);
  }

  /** The current environment's launch target; on failure rolls back (null), or gives up (exit code). */
  private async usableTarget(): Promise<LaunchTarget | null | number> {
    const { store, flow } = this.parts;
    const found = store.environment(this.state.current);
    const problem = found.ok ? store.missingFiles(found.target) : found.reason;
    if (found.ok && problem === null) return found.target;
    const instead = await flow.cannotStart(this.state.current, problem ?? 'unusable');
    if (instead === null) throw new EnvironmentUnusableError(problem ?? 'unusable');
    if ('critical' in instead) return 1;
    this.state.current = instead.source;
    return null;
  }

  /** Watches a running ComfyUI for its first answer and hangs (a busy one is given longer). */
  private watchLiveness(proc: ComfyuiProcess, signal: AbortSignal, armed: boolean): void {
    const s = this.parts.deps.settings;
    if (!s.livenessEnabled) return;
    void watchLiveness({
      intervalMs: s.livenessIntervalMs,
      failures: s.livenessFailures,
      probe: this.livenessProbe,
      timeoutMs: s.livenessTimeoutMs,
      clock: this.parts.world.clock,
      signal,
      armed,
      onArmed: () => this.state.markReady(proc),
      busy: () => this.state.work.busy,
      busyTimeoutMs: s.livenessBusyTimeoutMs,
    }).then((result) => {
      if (result.hung) this.state.mailbox.push({ kind: 'hung', proc, failures: result.failures });
    });
  }

  private async waitForExitOrCommand(proc: ComfyuiProcess, validated: boolean): Promise<Next> {
    const { state } = this;
    const watching = new AbortController();
    const stopWatching = () => watching.abort();
    state.phase.signal.addEventListener('abort', stopWatching, { once: true });
    this.watchLiveness(proc, watching.signal, validated);
    try {
      for (;;) {
        const event = await state.mailbox.next();
        if ('proc' in event && event.proc !== proc) continue; // an older one
        const next = await handleEvent(this.parts, state, event, proc);
        if (next !== 'wait') return next;
      }
    } finally {
      watching.abort();
      state.phase.signal.removeEventListener('abort', stopWatching);
    }
  }
}
