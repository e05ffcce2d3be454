import type { HealthResult } from '@comfyvisor/health';
import { httpHealthCheck, httpLivenessProbe } from './comfyui-checks.ts';
import type { ComfyuiProcess, SpawnComfyui } from './comfyui-process.ts';
import { CommandIntake } from './command-intake.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { type ComfyuiExit, decideExit } from './exit-policy.ts';
import type { LaunchTarget } from './launch-plan.ts';
import { Launcher } from './launcher.ts';
import { watchLiveness } from './liveness.ts';
import type { Logger } from './logger.ts';
import { Mailbox } from './mailbox.ts';
import type { MetadataStore } from './metadata-store.ts';
import { takeOverSwitches } from './pending-switch.ts';
import type { Reaper } from './reaper.ts';
import { Recovery } from './recovery.ts';
import type { Settings } from './settings.ts';
import { StatusReporter } from './status-reporter.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import type { RecordEvent } from './supervisor-event.ts';
import { SwitchFlow } from './switch-flow.ts';
import type { SyncEnvironment } from './sync.ts';
import { syncStep } from './sync-step.ts';
import type { TorchVersionOf } from './torch-version.ts';
import { type World, worldFrom } from './world.ts';

type Event =
  | { kind: 'exit'; proc: ComfyuiProcess; exit: ComfyuiExit }
  | { kind: 'command'; command: SupervisorCommand; receivedAt: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'hung'; proc: ComfyuiProcess; failures: number };

type Next = { type: 'exit'; exit: ComfyuiExit } | { type: 'exit-code'; code: number } | { type: 'continue' };

/** What the supervisor is built from; `runSupervisor` fills it for real use, tests with fakes. */
export interface SupervisorDeps {
  environment: string;
  /** ComfyUI's own arguments. */
  args: string[];
  settings: Settings;
  logger: Logger;
  store: MetadataStore;
  sync: SyncEnvironment;
  spawn: SpawnComfyui;
  world?: Partial<World> | undefined;
  /** @default an HTTP health check of ComfyUI's address */
  healthCheck?: ((proc: ComfyuiProcess, signal: AbortSignal) => Promise<HealthResult>) | undefined;
  /** @default an HTTP probe of ComfyUI's address bounded by `livenessTimeoutMs` */
  livenessProbe?: ((signal: AbortSignal) => Promise<boolean>) | undefined;
  torchVersion?: TorchVersionOf | undefined;
  /** Runs beside the first sync (the port check); may throw to refuse the start. */
  beforeFirstStart?: ((signal: AbortSignal) => Promise<void>) | undefined;
  reaper?: Reaper | null | undefined;
  record?: RecordEvent | undefined;
  /** Where ComfyUI's output is kept (comfyui.log). */
  output?: { write(chunk: Buffer): void } | undefined;
  /** Pass ComfyUI's output through to ours. @default true */
  passThrough?: boolean | undefined;
}

/** What the control API shows. */
export interface SupervisorSnapshot {
  pid: number;
  currentEnv: string;
  switching: { target: string; source: string | null } | null;
  comfyui: { pid: number; running: boolean; uptimeMs: number } | null;
}

/**
 * The supervision loop: sync, start, wait, act on the exit code (0 stop, 42 restart, 43 switch,
 * else crash), health-checked switches that roll back, hung ComfyUI restarted, and commands.
 */
export class Supervisor {
  private current: string;
  private proc: ComfyuiProcess | null = null;
  /** When the current ComfyUI was spawned (monotonic); -Infinity before the first. */
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private usedExtraArgs = false;
  private phase = new AbortController();
  private readonly mailbox = new Mailbox<Event>();
  private readonly world: World;
  private readonly status: StatusReporter;
  private readonly flow: SwitchFlow;
  private readonly intake: CommandIntake;
  private readonly launcher: Launcher;
  private readonly recovery: Recovery;
  private readonly record: RecordEvent;
  private readonly healthCheck: (proc: ComfyuiProcess, signal: AbortSignal) => Promise<HealthResult>;
  private readonly livenessProbe: (signal: AbortSignal) => Promise<boolean>;

  constructor(private readonly deps: SupervisorDeps) {
    const { store, logger, settings, args } = deps;
    this.current = deps.environment;
    this.world = worldFrom(deps.world);
    const record = deps.record ?? (() => {});
    this.record = record;
    this.status = new StatusReporter(store, logger);
    this.flow = new SwitchFlow(store, this.status, logger, record, () => this.world.clock.now());
    this.intake = new CommandIntake(store, logger, (command) => this.send(command));
    this.launcher = new Launcher({ ...deps, world: this.world, record });
    this.recovery = new Recovery(settings, store, this.status, logger, record, this.world.clock);
    this.healthCheck = deps.healthCheck ?? httpHealthCheck(args, settings, this.world.clock);
    this.livenessProbe = deps.livenessProbe ?? httpLivenessProbe(args, settings);
  }

  snapshot(): SupervisorSnapshot {
    const phase = this.flow.phase;
    const proc = this.proc;
    return {
      pid: this.world.pid,
      currentEnv: this.current,
      switching: phase ? { target: phase.target, source: phase.source } : null,
      comfyui: proc
        ? {
            pid: proc.pid,
            running: proc.running,
            uptimeMs: proc.running ? this.world.clock.now() - this.lastStartAt : 0,
          }
        : null,
    };
  }

  /** Queues a command (from `.cmd`, the control API, or a caller). Acted on at once. */
  send(command: SupervisorCommand): void {
    this.deps.logger.info(
      `command: ${command.command}${command.command === 'switch' ? ` ${command.targetEnv}` : ''}`,
    );
    this.mailbox.push({ kind: 'command', command, receivedAt: this.world.clock.now() });
    if (command.command === 'shutdown' || command.command === 'abort_switch') this.phase.abort();
  }

  /** SIGTERM/SIGINT: stop ComfyUI's whole group (SIGKILL after the grace period) and exit 0. */
  signal(signal: NodeJS.Signals): void {
    this.deps.logger.info(`received ${signal}, stopping`);
    this.mailbox.push({ kind: 'signal', signal });
    this.phase.abort();
  }

  /** A second Ctrl-C: no more grace. */
  forceKill(): void {
    this.proc?.signal('SIGKILL');
  }

  /** The switch status for the control API: the file, or the status meant when it cannot be written. */
  readStatus(): Promise<Record<string, unknown> | null> {
    return this.status.current();
  }

  /** A switch asked through the API: checked, then the lock taken (the panel side takes it for `.cmd`). */
  async requestSwitch(
    target: string,
  ): Promise<{ ok: true } | { ok: false; status: 400 | 404 | 409; error: string }> {
    const found = this.deps.store.environment(target);
    if (!found.ok)
      return { ok: false, status: found.reason.startsWith('invalid') ? 400 : 404, error: found.reason };
    if (this.flow.active || !(await this.deps.store.acquireLock()))
      return { ok: false, status: 409, error: 'a switch is already in progress' };
    this.send({ command: 'switch', targetEnv: target });
    return { ok: true };
  }

  /** Runs until ComfyUI exits cleanly, a shutdown, a signal, or giving up on crashes. */
  async run(): Promise<number> {
    const { store, logger } = this.deps;
    await store.tidy();
    this.intake.start();
    this.record({ type: 'supervisor_start', env: this.current, pid: this.world.pid });
    let code = 1;
    try {
      this.current = await takeOverSwitches(store, this.flow, logger, this.current);
      logger.info(`supervising ${this.current}`);
      code = await this.loop();
      return code;
    } finally {
      this.intake.stop();
      if (this.proc?.running) await this.stopProc();
      await store.tidy();
      this.record({ type: 'supervisor_stop', reason: code === 0 ? 'stopped' : 'gave up', exitCode: code });
    }
  }

  private async loop(): Promise<number> {
    for (;;) {
      if (this.phase.signal.aborted) this.phase = new AbortController();
      let urgent = this.urgent();
      if (urgent) return this.handleUrgent(urgent);

      const target = await this.usableTarget();
      if (typeof target === 'number') return target;
      if (target === null) continue;

      const first = this.lastStartAt === Number.NEGATIVE_INFINITY;
      await Promise.all([
        syncStep(this.current, this.phase.signal, this.deps.sync, this.flow, this.deps.logger, this.record),
        first ? this.deps.beforeFirstStart?.(this.phase.signal) : undefined,
      ]);
      urgent = this.urgent();
      if (urgent) return this.handleUrgent(urgent);

      await this.flow.step('starting', this.current);
      const started = await this.launcher.start(target, this.recovery.skipExtraArgs);
      const proc = started.proc;
      this.proc = proc;
      this.usedExtraArgs = started.usedExtraArgs;
      this.lastStartAt = started.startedAt;
      proc.exited.then((exit) => this.mailbox.push({ kind: 'exit', proc, exit }));

      if (this.flow.phase) {
        const verdict = await this.validate(proc);
        urgent = this.urgent();
        if (urgent) return this.handleUrgent(urgent);
        if (verdict === 'again') continue;
        if (typeof verdict === 'number') return verdict;
      }

      const next = await this.waitForExitOrCommand(proc);
      if (next.type === 'exit-code') return next.code;
      if (next.type === 'continue') continue;
      const decision = await this.onExit(next.exit, proc);
      if (decision !== null) return decision;
    }
  }

  /** The current environment's launch target; on failure rolls back (null), or gives up (exit code). */
  private async usableTarget(): Promise<LaunchTarget | null | number> {
    const found = this.deps.store.environment(this.current);
    const problem = found.ok ? this.deps.store.missingFiles(found.target) : found.reason;
    if (found.ok && problem === null) return found.target;
    const instead = await this.flow.cannotStart(this.current, problem ?? 'unusable');
    if (instead === null) throw new EnvironmentUnusableError(problem ?? 'unusable');
    if ('critical' in instead) return 1;
    this.current = instead.source;
    return null;
  }

  /** The health check of a switch's target, or of the source after a rollback. */
  private async validate(proc: ComfyuiProcess): Promise<'again' | 'go-on' | number> {
    const env = this.current;
    await this.flow.step('validating', env);
    const health = await this.healthCheck(proc, this.phase.signal);
    this.record({ type: 'health', env, healthy: health.healthy, afterMs: Math.round(health.afterMs) });
    if (this.phase.signal.aborted) return 'go-on';
    if (health.healthy) {
      this.deps.logger.info(`${env} is healthy after ${Math.round(health.afterMs)} ms`);
      await this.flow.afterHealthCheck(env, true, '');
      this.recovery.reset();
      return 'go-on';
    }
    const why = describeSickness(health);
    this.deps.logger.warn(`health check of ${env} failed: ${why}`);
    const exit = (await this.stopProc()) ?? { code: health.exitCode ?? null, signal: null };
    if (health.reason === 'exited') {
      // It died while being checked: a crash, for the history and the metrics too.
      const code = health.exitCode ?? null;
      this.record({ type: 'comfyui_exit', env, pid: proc.pid, code, signal: null, meaning: 'crash' });
    }
    const instead = await this.flow.afterHealthCheck(env, false, why);
    if (instead) {
      this.current = instead.source;
      return 'again';
    }
    const signal = this.phase.signal;
    return (
      (await this.recovery.afterFailure(env, exit, proc, this.usedExtraArgs, 'crash', signal)) ?? 'again'
    );
  }

  /** Watches a running ComfyUI for hangs until `signal` aborts. */
  private watchLiveness(proc: ComfyuiProcess, signal: AbortSignal): void {
    const s = this.deps.settings;
    if (!s.livenessEnabled) return;
    void watchLiveness({
      intervalMs: s.livenessIntervalMs,
      failures: s.livenessFailures,
      probe: this.livenessProbe,
      clock: this.world.clock,
      signal,
      onArmed: () => this.deps.logger.debug(`liveness: ComfyUI pid ${proc.pid} answers; watching for hangs`),
    }).then((result) => {
      if (result.hung) this.mailbox.push({ kind: 'hung', proc, failures: result.failures });
    });
  }

  private async stopProc(): Promise<ComfyuiExit | null> {
    const proc = this.proc;
    if (!proc) return null;
    const exit = await proc.stop(this.deps.settings.stopGraceMs);
    // Its exit and hang events are stale now.
    while (this.mailbox.takeWhere((e) => (e.kind === 'exit' || e.kind === 'hung') && e.proc === proc));
    return exit;
  }

  private urgent(): Event | undefined {
    return this.mailbox.takeWhere(
      (e) =>
        e.kind === 'signal' ||
        (e.kind === 'command' && (e.command.command === 'shutdown' || e.command.command === 'abort_switch')),
    );
  }

  /** A signal, shutdown or abort_switch: stop ComfyUI, leave a final status and no lock; exit 0. */
  private async handleUrgent(event: Event): Promise<number> {
    await this.stopProc();
    if (event.kind === 'command' && event.command.command === 'abort_switch') {
      await this.flow.abort(this.current);
      await this.deps.store.takeSwitchRequest();
      this.deps.logger.info('switch aborted; shutting down so the manual process can take over');
      return 0;
    }
    const phase = this.flow.phase;
    if (phase) {
      const why =
        event.kind === 'signal' ? `the supervisor received ${event.signal}` : 'a shutdown was requested';
      await this.flow.critical(
        `Stopped during the switch to ${phase.target} (${why})`,
        'Nothing is running: start ComfyUI again with `comfyvisor run`',
      );
    }
    this.deps.logger.info(
      event.kind === 'signal' ? `stopped on ${event.signal}` : 'shutdown requested; stopped',
    );
    return 0;
  }

  private async waitForExitOrCommand(proc: ComfyuiProcess): Promise<Next> {
    const watching = new AbortController();
    const stopWatching = () => watching.abort();
    this.phase.signal.addEventListener('abort', stopWatching, { once: true });
    this.watchLiveness(proc, watching.signal);
    try {
      for (;;) {
        const next = await this.handle(await this.mailbox.next(), proc);
        if (next) return next;
      }
    } finally {
      watching.abort();
      this.phase.signal.removeEventListener('abort', stopWatching);
    }
  }

  /** One event while ComfyUI runs: what to do next, or null to keep waiting. */
  private async handle(event: Event, proc: ComfyuiProcess): Promise<Next | null> {
    if (event.kind === 'signal') return { type: 'exit-code', code: await this.handleUrgent(event) };
    if (event.kind === 'exit' || event.kind === 'hung') {
      if (event.proc !== proc) return null; // an older process
      if (event.kind === 'exit') {
        this.launcher.exitSeenAt = this.world.clock.now();
        return { type: 'exit', exit: event.exit };
      }
      await this.recovery.hung(this.current, proc, event.failures);
      const exit = (await this.stopProc()) ?? { code: null, signal: 'SIGKILL' };
      const code = await this.recovery.afterFailure(
        this.current,
        exit,
        proc,
        this.usedExtraArgs,
        'hung',
        this.phase.signal,
      );
      return code === null ? { type: 'continue' } : { type: 'exit-code', code };
    }
    const { command } = event;
    switch (command.command) {
      case 'shutdown':
      case 'abort_switch':
        return { type: 'exit-code', code: await this.handleUrgent(event) };
      case 'restart':
        if (event.receivedAt < this.lastStartAt) {
          // Asked while a restart was already under way: that start answers it.
          this.deps.logger.debug('restart merged with the one just done');
          return null;
        }
        this.deps.logger.info('restart requested; stopping ComfyUI');
        this.record({ type: 'restart', env: this.current, reason: 'command' });
        await this.stopProc();
        this.recovery.reset();
        return { type: 'continue' };
      case 'switch': {
        const problem = this.flow.reject(command.targetEnv);
        if (problem) {
          await this.flow.refuse(problem, command.targetEnv, this.current);
          return null;
        }
        const source = this.current;
        await this.stopProc();
        this.current = command.targetEnv;
        await this.flow.begin(command.targetEnv, source);
        return { type: 'continue' };
      }
    }
  }

  /** Acts on an exit of ComfyUI; returns an exit code to stop with, or null to go on. */
  private async onExit(exit: ComfyuiExit, proc: ComfyuiProcess): Promise<number | null> {
    const { logger, store } = this.deps;
    const action = decideExit(exit, exit.code === 0 && (await store.takeRebootMarker()));
    const env = this.current;
    this.record({
      type: 'comfyui_exit',
      env,
      pid: proc.pid,
      code: exit.code,
      signal: exit.signal,
      meaning: action.action,
    });
    switch (action.action) {
      case 'stop':
        logger.info('ComfyUI exited cleanly; stopping');
        return 0;
      case 'restart':
        logger.info(
          action.reason === 'manager'
            ? 'ComfyUI-Manager asked for a restart; restarting'
            : 'restart requested (exit 42); syncing and starting again',
        );
        this.record({ type: 'restart', env, reason: action.reason });
        this.recovery.reset();
        return null;
      case 'switch':
        await this.onSwitchExit();
        return null;
      case 'crash':
        return this.recovery.afterFailure(env, exit, proc, this.usedExtraArgs, 'crash', this.phase.signal);
    }
  }

  private async onSwitchExit(): Promise<void> {
    const found = await this.deps.store.takeSwitchRequest();
    if (found.kind === 'missing')
      return this.flow.refuse('exit 43 without a switch request', null, this.current);
    if (found.kind === 'invalid')
      return this.flow.refuse(`the switch request is unreadable (${found.reason})`, null, this.current);
    const problem = this.flow.reject(found.targetEnv);
    if (problem) return this.flow.refuse(problem, found.targetEnv, this.current);
    const source = this.current;
    this.current = found.targetEnv;
    await this.flow.begin(found.targetEnv, source);
  }
}

function describeSickness(health: Exclude<HealthResult, { healthy: true }>): string {
  if (health.reason === 'exited') return `exited with code ${health.exitCode}`;
  return health.reason === 'timeout' ? 'did not become healthy in time' : 'aborted';
}
