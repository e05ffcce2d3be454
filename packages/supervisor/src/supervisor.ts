import { httpLivenessProbe } from './comfyui-checks.ts';
import type { ComfyuiProcess } from './comfyui-process.ts';
import { type AfterCommand, actOnCommand, stopForUrgent } from './command-handling.ts';
import { buildParts, type CoreParts, type SupervisorDeps } from './core-parts.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { type AfterExit, actOnExit } from './exit-handling.ts';
import type { ComfyuiExit } from './exit-policy.ts';
import type { LaunchTarget } from './launch-plan.ts';
import { watchLiveness } from './liveness.ts';
import { Mailbox } from './mailbox.ts';
import { validateStart } from './start-validation.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import { takeOverSwitches } from './switch-intake.ts';
import { syncStep } from './sync-step.ts';

export type { SupervisorDeps };

type Event =
  | { kind: 'exit'; proc: ComfyuiProcess; exit: ComfyuiExit }
  | { kind: 'command'; command: SupervisorCommand; receivedAt: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'hung'; proc: ComfyuiProcess; failures: number };

/** What a step of the loop leads to: stop with an exit code, or go round again. */
type Next = { stop: number } | null;

/** What the control API and the worker show of one supervised ComfyUI. */
export interface SupervisorSnapshot {
  pid: number;
  currentEnv: string;
  switching: { target: string; source: string | null } | null;
  comfyui: { pid: number; running: boolean; uptimeMs: number; ready: boolean } | null;
}

/**
 * The core: supervises ONE ComfyUI. Sync, start, wait, act on the exit code (0 stop, 42 restart,
 * 43 switch, else crash), health-checked switches that roll back, hung ComfyUI restarted, and
 * commands. It owns no process-wide resource (pid file, signals, lifeline) and no wire file of its
 * own: its store, switch channel, clock and spawn are given, so several can live in one process.
 */
export class Supervisor {
  private current: string;
  private proc: ComfyuiProcess | null = null;
  private ready = false;
  /** When the current ComfyUI was spawned (monotonic); -Infinity before the first. */
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private usedExtraArgs = false;
  private phase = new AbortController();
  private readonly mailbox = new Mailbox<Event>();
  private readonly parts: CoreParts;
  private readonly livenessProbe: (signal: AbortSignal) => Promise<boolean>;

  constructor(deps: SupervisorDeps) {
    this.current = deps.environment;
    this.parts = buildParts(deps);
    this.livenessProbe = deps.livenessProbe ?? httpLivenessProbe(deps.args, deps.settings);
  }

  snapshot(): SupervisorSnapshot {
    const phase = this.parts.flow.phase;
    const proc = this.proc;
    const now = this.parts.world.clock.now();
    return {
      pid: this.parts.world.pid,
      currentEnv: this.current,
      switching: phase ? { target: phase.target, source: phase.source } : null,
      comfyui: proc
        ? {
            pid: proc.pid,
            running: proc.running,
            uptimeMs: proc.running ? now - this.lastStartAt : 0,
            ready: proc.running && this.ready,
          }
        : null,
    };
  }

  /** Queues a command (from `.cmd`, the control API, or a caller). Acted on at once. */
  send(command: SupervisorCommand): void {
    const what = command.command === 'switch' ? `switch ${command.targetEnv}` : command.command;
    this.parts.logger.info(`command: ${what}`);
    this.mailbox.push({ kind: 'command', command, receivedAt: this.parts.world.clock.now() });
    if (command.command === 'shutdown' || command.command === 'abort_switch') this.phase.abort();
  }

  /** SIGTERM/SIGINT: stop ComfyUI's whole group (SIGKILL after the grace period) and exit 0. */
  signal(signal: NodeJS.Signals): void {
    this.parts.logger.info(`received ${signal}, stopping`);
    this.mailbox.push({ kind: 'signal', signal });
    this.phase.abort();
  }

  /** A second Ctrl-C: no more grace. */
  forceKill(): void {
    this.proc?.signal('SIGKILL');
  }

  /** A switch asked through an API: checked, then the lock taken (the panel side takes it for `.cmd`). */
  async requestSwitch(
    target: string,
  ): Promise<{ ok: true } | { ok: false; status: 400 | 404 | 409; error: string }> {
    const found = this.parts.store.environment(target);
    if (!found.ok)
      return { ok: false, status: found.reason.startsWith('invalid') ? 400 : 404, error: found.reason };
    if (this.parts.flow.active || !(await this.parts.switches.acquireLock()))
      return { ok: false, status: 409, error: 'a switch is already in progress' };
    this.send({ command: 'switch', targetEnv: target });
    return { ok: true };
  }

  /** Runs until ComfyUI exits cleanly, a shutdown, a signal, or giving up on crashes. */
  async run(): Promise<number> {
    const { store, logger, record, world } = this.parts;
    await store.tidy();
    record({ type: 'supervisor_start', env: this.current, pid: world.pid });
    let code = 1;
    try {
      this.current = await takeOverSwitches(this.parts.switches, this.parts.flow, logger, this.current);
      logger.info(`supervising ${this.current}`);
      code = await this.loop();
      return code;
    } finally {
      if (this.proc?.running) await this.stopProc();
      await store.tidy();
      record({ type: 'supervisor_stop', reason: code === 0 ? 'stopped' : 'gave up', exitCode: code });
    }
  }

  private async loop(): Promise<number> {
    for (;;) {
      if (this.phase.signal.aborted) this.phase = new AbortController();
      const next = (await this.takeUrgent()) ?? (await this.startAndWatch());
      if (next) return next.stop;
    }
  }

  /** One round: sync, start, validate during a switch, then wait for what ComfyUI or a person does. */
  private async startAndWatch(): Promise<Next> {
    const { deps, flow, launcher, recovery } = this.parts;
    const target = await this.usableTarget();
    if (typeof target === 'number') return { stop: target };
    if (target === null) return null;
    const first = this.lastStartAt === Number.NEGATIVE_INFINITY;
    await Promise.all([
      syncStep(this.current, this.phase.signal, deps.sync, flow, this.parts.logger, this.parts.record),
      first ? deps.beforeFirstStart?.(this.phase.signal) : undefined,
    ]);
    const urgent = await this.takeUrgent();
    if (urgent) return urgent;
    await flow.step('starting', this.current);
    const started = await launcher.start(target, recovery.skipExtraArgs);
    const proc = started.proc;
    this.proc = proc;
    this.ready = false;
    this.usedExtraArgs = started.usedExtraArgs;
    this.lastStartAt = started.startedAt;
    proc.exited.then((exit) => this.mailbox.push({ kind: 'exit', proc, exit }));
    let validated = false;
    if (flow.phase) {
      const verdict = await validateStart(this.parts, {
        env: this.current,
        proc,
        signal: this.phase.signal,
        usedExtraArgs: this.usedExtraArgs,
        stop: () => this.stopProc(),
      });
      if (verdict.next === 'give-up') return { stop: verdict.code };
      if (verdict.next === 'start') {
        this.current = verdict.env;
        return null;
      }
      validated = verdict.next === 'healthy';
      if (validated) this.markReady(proc);
    }
    return (await this.takeUrgent()) ?? this.waitForExitOrCommand(proc, validated);
  }

  /** The current environment's launch target; on failure rolls back (null), or gives up (exit code). */
  private async usableTarget(): Promise<LaunchTarget | null | number> {
    const { store, flow } = this.parts;
    const found = store.environment(this.current);
    const problem = found.ok ? store.missingFiles(found.target) : found.reason;
    if (found.ok && problem === null) return found.target;
    const instead = await flow.cannotStart(this.current, problem ?? 'unusable');
    if (instead === null) throw new EnvironmentUnusableError(problem ?? 'unusable');
    if ('critical' in instead) return 1;
    this.current = instead.source;
    return null;
  }

  private markReady(proc: ComfyuiProcess): void {
    if (this.ready || proc !== this.proc) return;
    this.ready = true;
    const afterMs = Math.round(this.parts.world.clock.now() - this.lastStartAt);
    this.parts.logger.debug(
      `ComfyUI pid ${proc.pid} answers; watching for hangs (first answer after ${afterMs} ms)`,
    );
    this.parts.record({ type: 'comfyui_ready', env: this.current, pid: proc.pid, afterMs });
  }

  /** Watches a running ComfyUI for its first answer and, with liveness on, for hangs. */
  private watchLiveness(proc: ComfyuiProcess, signal: AbortSignal, armed: boolean): void {
    const s = this.parts.deps.settings;
    if (!s.livenessEnabled) return;
    void watchLiveness({
      intervalMs: s.livenessIntervalMs,
      failures: s.livenessFailures,
      probe: this.livenessProbe,
      clock: this.parts.world.clock,
      signal,
      armed,
      onArmed: () => this.markReady(proc),
    }).then((result) => {
      if (result.hung) this.mailbox.push({ kind: 'hung', proc, failures: result.failures });
    });
  }

  private async stopProc(): Promise<ComfyuiExit | null> {
    const proc = this.proc;
    if (!proc) return null;
    const exit = await proc.stop(this.parts.deps.settings.stopGraceMs);
    // Its exit and hang events are stale now.
    while (this.mailbox.takeWhere((e) => (e.kind === 'exit' || e.kind === 'hung') && e.proc === proc));
    return exit;
  }

  /** A signal, shutdown or abort_switch waiting: acted on before anything else. */
  private async takeUrgent(): Promise<Next> {
    const event = this.mailbox.takeWhere(
      (e) =>
        e.kind === 'signal' ||
        (e.kind === 'command' && (e.command.command === 'shutdown' || e.command.command === 'abort_switch')),
    );
    return event ? this.stopFor(event) : null;
  }

  private async stopFor(event: Event): Promise<Next> {
    await this.stopProc();
    if (event.kind === 'signal') return { stop: await stopForUrgent(this.parts, event, this.current) };
    const command = event.kind === 'command' ? event.command.command : 'shutdown';
    const why = { command: command === 'abort_switch' ? ('abort_switch' as const) : ('shutdown' as const) };
    return { stop: await stopForUrgent(this.parts, why, this.current) };
  }

  private async waitForExitOrCommand(proc: ComfyuiProcess, validated: boolean): Promise<Next> {
    const watching = new AbortController();
    const stopWatching = () => watching.abort();
    this.phase.signal.addEventListener('abort', stopWatching, { once: true });
    this.watchLiveness(proc, watching.signal, validated);
    try {
      for (;;) {
        const event = await this.mailbox.next();
        if (event.kind !== 'command' && event.kind !== 'signal' && event.proc !== proc) continue; // an older one
        const next = await this.handle(event, proc);
        if (next !== 'wait') return next;
      }
    } finally {
      watching.abort();
      this.phase.signal.removeEventListener('abort', stopWatching);
    }
  }

  /** One event while ComfyUI runs: what to do next, or 'wait' to keep waiting. */
  private async handle(event: Event, proc: ComfyuiProcess): Promise<Next | 'wait'> {
    const { recovery } = this.parts;
    const signal = this.phase.signal;
    if (event.kind === 'signal') return this.stopFor(event);
    if (event.kind === 'hung') {
      await recovery.hung(this.current, proc, event.failures);
      const exit = (await this.stopProc()) ?? { code: null, signal: 'SIGKILL' };
      const code = await recovery.afterFailure(this.current, exit, proc, this.usedExtraArgs, 'hung', signal);
      return code === null ? null : { stop: code };
    }
    let after: AfterExit | AfterCommand;
    if (event.kind === 'exit') {
      this.parts.launcher.exitSeenAt = this.parts.world.clock.now();
      const run = { env: this.current, exit: event.exit, proc, usedExtraArgs: this.usedExtraArgs, signal };
      after = await actOnExit(this.parts, run);
    } else {
      const { command } = event;
      if (command.command === 'shutdown' || command.command === 'abort_switch') return this.stopFor(event);
      const target = { env: this.current, startedAt: this.lastStartAt, stop: () => this.stopProc() };
      after = await actOnCommand(this.parts, command, event.receivedAt, target);
    }
    if (after.next === 'wait') return 'wait';
    if (after.next === 'stop') return { stop: after.code };
    this.current = after.env;
    return null;
  }
}
