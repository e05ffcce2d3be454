import { comfyuiAddress, comfyuiUrl, type HealthResult, probeHttp, waitForHealthy } from '@comfyvisor/health';
import type { ComfyuiProcess, SpawnComfyui } from './comfyui-process.ts';
import { CommandIntake } from './command-intake.ts';
import { CrashPolicy } from './crash-policy.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { type ComfyuiExit, decideExit, describeExit } from './exit-policy.ts';
import { type LaunchTarget, planLaunch } from './launch-plan.ts';
import { watchLiveness } from './liveness.ts';
import type { Logger } from './logger.ts';
import { Mailbox } from './mailbox.ts';
import type { MetadataStore } from './metadata-store.ts';
import type { Reaper } from './reaper.ts';
import type { Settings } from './settings.ts';
import { StatusReporter } from './status-reporter.ts';
import type { SupervisorCommand } from './supervisor-command.ts';
import type { RecordEvent } from './supervisor-event.ts';
import { SwitchFlow } from './switch-flow.ts';
import type { SyncEnvironment } from './sync.ts';
import { TorchVersionCache, type TorchVersionOf } from './torch-version.ts';
import { type World, worldFrom } from './world.ts';

type Event =
  | { kind: 'exit'; proc: ComfyuiProcess; exit: ComfyuiExit }
  | { kind: 'command'; command: SupervisorCommand; receivedAt: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'hung'; proc: ComfyuiProcess; failures: number };

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
  /** Runs before the first start (the port check); may throw to refuse the start. */
  beforeFirstStart?: ((signal: AbortSignal) => Promise<void>) | undefined;
  reaper?: Reaper | null | undefined;
  record?: RecordEvent | undefined;
  /** Where ComfyUI's output is kept. */
  logFile?: string | undefined;
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

const IN_PROGRESS = new Set(['preparing', 'syncing', 'starting', 'validating', 'rolling_back']);

/**
 * The supervision loop: sync, start, wait, act on the exit code (0 stop, 42 restart, 43 switch,
 * else crash), health-checked switches that roll back, hung ComfyUI restarted, and commands.
 */
export class Supervisor {
  private current: string;
  private proc: ComfyuiProcess | null = null;
  private procStartedAt = 0;
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private usedExtraArgs = false;
  private starts = 0;
  private phase = new AbortController();
  private readonly mailbox = new Mailbox<Event>();
  private readonly world: World;
  private readonly crashPolicy: CrashPolicy;
  private readonly status: StatusReporter;
  private readonly flow: SwitchFlow;
  private readonly intake: CommandIntake;
  private readonly torch: TorchVersionCache;
  private readonly record: RecordEvent;
  /** When the last exit was seen, to report the supervisor's own share of a restart. */
  private exitSeenAt: number | null = null;

  constructor(private readonly deps: SupervisorDeps) {
    this.current = deps.environment;
    this.world = worldFrom(deps.world);
    this.record = deps.record ?? (() => {});
    const s = deps.settings;
    this.crashPolicy = new CrashPolicy({
      maxRestarts: s.crashMaxRestarts,
      windowMs: s.crashWindowMs,
      backoffInitialMs: s.crashBackoffInitialMs,
      backoffMaxMs: s.crashBackoffMaxMs,
    });
    this.status = new StatusReporter(deps.store, deps.logger);
    this.flow = new SwitchFlow(deps.store, this.status, deps.logger, this.record, () =>
      this.world.clock.now(),
    );
    this.intake = new CommandIntake(deps.store, deps.logger, (command) => this.send(command));
    this.torch = new TorchVersionCache(deps.torchVersion);
  }

  snapshot(): SupervisorSnapshot {
    const phase = this.flow.phase;
    return {
      pid: this.world.pid,
      currentEnv: this.current,
      switching: phase ? { target: phase.target, source: phase.source } : null,
      comfyui: this.proc
        ? {
            pid: this.proc.pid,
            running: this.proc.running,
            uptimeMs: this.proc.running ? this.world.clock.now() - this.procStartedAt : 0,
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

  /** The status file as it is on disk, for the control API. */
  readStatus(): Promise<Record<string, unknown> | null> {
    return this.deps.store.readStatusWire();
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
    await this.deps.store.tidy();
    this.intake.start();
    this.record({ type: 'supervisor_start', env: this.current, pid: this.world.pid });
    let code = 1;
    try {
      if (!(await this.takePendingRequest())) await this.closeDeadSwitch();
      this.deps.logger.info(`supervising ${this.current}`);
      code = await this.loop();
      return code;
    } finally {
      this.intake.stop();
      if (this.proc?.running) await this.stopProc();
      await this.deps.store.tidy();
      this.record({ type: 'supervisor_stop', reason: code === 0 ? 'stopped' : 'gave up', exitCode: code });
    }
  }

  /** A request already waiting at start-up is honoured first; returns whether there was one. */
  private async takePendingRequest(): Promise<boolean> {
    const found = await this.deps.store.takeSwitchRequest();
    if (found.kind === 'missing') return false;
    if (found.kind === 'invalid') {
      await this.flow.refuse(`the switch request is unreadable (${found.reason})`, null, this.current);
      return true;
    }
    const problem = this.flow.reject(found.targetEnv);
    if (problem) {
      await this.flow.refuse(problem, found.targetEnv, this.current);
      return true;
    }
    // Started for this switch (lazily, by the panel side): roll back to where the request came
    // from if that can be started, else to the environment we were started with.
    const source =
      found.sourceEnv && this.flow.reject(found.sourceEnv) === null ? found.sourceEnv : this.current;
    this.current = found.targetEnv;
    await this.flow.begin(found.targetEnv, source);
    return true;
  }

  /**
   * A switch left in progress by a supervisor that died (we hold the workspace now) is closed:
   * run again when we were started for its target, else ended as rolled back. Its lock goes.
   */
  private async closeDeadSwitch(): Promise<void> {
    const status = await this.deps.store.readStatus();
    if (!status || !IN_PROGRESS.has(status.state)) return;
    const target = typeof status.targetEnv === 'string' ? status.targetEnv : null;
    const source = typeof status.sourceEnv === 'string' ? status.sourceEnv : null;
    this.deps.logger.warn(
      `a switch to ${target ?? '(unknown)'} was left ${status.state} by a supervisor that stopped`,
    );
    if (target === this.current && this.flow.reject(target) === null) {
      await this.flow.begin(target, source && this.flow.reject(source) === null ? source : null);
      return;
    }
    await this.flow.refuse(
      `the switch to ${target ?? '(unknown)'} was interrupted when its supervisor stopped`,
      target,
      this.current,
    );
  }

  private async loop(): Promise<number> {
    for (;;) {
      if (this.phase.signal.aborted) this.phase = new AbortController();
      let urgent = this.urgent();
      if (urgent) return this.handleUrgent(urgent);

      const target = await this.usableTarget();
      if (typeof target === 'number') return target;
      if (target === null) continue;

      const first = this.starts++ === 0;
      await Promise.all([
        this.syncCurrent(),
        first ? this.deps.beforeFirstStart?.(this.phase.signal) : undefined,
      ]);
      urgent = this.urgent();
      if (urgent) return this.handleUrgent(urgent);

      const proc = await this.start(target);
      if (this.flow.phase) {
        const verdict = await this.validate(proc);
        urgent = this.urgent();
        if (urgent) return this.handleUrgent(urgent);
        if (verdict === 'again') continue;
        if (typeof verdict === 'number') return verdict;
      }

      const outcome = await this.waitForExitOrCommand(proc);
      if (outcome.type === 'exit-code') return outcome.code;
      if (outcome.type === 'continue') continue;
      const decision = await this.onExit(outcome.exit, proc);
      if (decision !== null) return decision;
    }
  }

  /** The current environment's launch target; on failure rolls back (null), or gives up (exit code). */
  private async usableTarget(): Promise<LaunchTarget | null | number> {
    const found = this.deps.store.environment(this.current);
    const problem = found.ok ? this.deps.store.missingFiles(found.target) : found.reason;
    if (found.ok && problem === null) return found.target;
    const reason = problem ?? 'unusable';
    const phase = this.flow.phase;
    if (phase?.kind === 'switching') {
      const source = await this.flow.rollBack(`${this.current} cannot start: ${reason}`);
      if (source) {
        this.current = source;
        return null;
      }
    }
    if (phase) {
      await this.flow.critical(
        `${this.current} cannot start: ${reason}`,
        'Nothing is running: repair the environment, then start it again with `comfyvisor run`',
      );
      return 1;
    }
    throw new EnvironmentUnusableError(reason);
  }

  private async syncCurrent(): Promise<void> {
    const env = this.current;
    await this.flow.step('syncing', env);
    const result = await this.deps.sync(env, this.phase.signal);
    const { logger } = this.deps;
    if (result.ok && result.skipped) logger.debug(`sync skipped: ${result.reason}`);
    else if (result.ok) logger.info(`synced ${env} in ${Math.round(result.durationMs)} ms`);
    else {
      logger.warn(`sync of ${env} failed (${result.reason}); starting anyway`);
      if (result.outputTail) logger.debug(result.outputTail);
      await this.flow.step('syncing', env, result.reason);
    }
    this.record({
      type: 'sync',
      env,
      ok: result.ok,
      skipped: result.ok && result.skipped,
      durationMs: 'durationMs' in result ? Math.round(result.durationMs) : null,
      ...(!result.ok ? { reason: result.reason } : {}),
    });
  }

  private async start(target: LaunchTarget): Promise<ComfyuiProcess> {
    const { settings } = this.deps;
    const torch = await this.torch.get(target);
    const plan = planLaunch({
      target,
      torchVersion: torch,
      platform: this.world.platform,
      extraArgs: this.crashPolicy.skipExtraArgs ? [] : settings.extraArgs,
      args: this.deps.args,
      baseEnv: this.world.env,
      session: this.deps.store.session,
    });
    await this.flow.step('starting', this.current);
    const proc = this.deps.spawn({
      command: plan.command,
      args: plan.args,
      cwd: plan.cwd,
      env: plan.env,
      logFile: this.deps.logFile,
      passThrough: this.deps.passThrough,
      parentDeathSignal: settings.parentDeathSignal,
      reaper: this.deps.reaper ?? null,
    });
    this.proc = proc;
    this.usedExtraArgs = plan.usedExtraArgs;
    this.procStartedAt = this.lastStartAt = this.world.clock.now();
    if (this.exitSeenAt !== null) {
      this.deps.logger.debug(
        `restart overhead: ${(this.procStartedAt - this.exitSeenAt).toFixed(2)} ms from exit to spawn`,
      );
      this.exitSeenAt = null;
    }
    proc.exited.then((exit) => this.mailbox.push({ kind: 'exit', proc, exit }));
    this.deps.logger.info(
      `started ComfyUI (${this.current}) pid ${proc.pid}: ${plan.args.slice(1).join(' ')}`,
    );
    this.record({ type: 'comfyui_start', env: this.current, pid: proc.pid });
    void this.deps.store
      .writeStartupState({
        pythonExecutable: plan.command,
        workingDirectory: plan.cwd,
        argv: plan.args,
        environmentName: this.current,
        workspaceRoot: this.deps.store.workspace,
        port: comfyuiAddress(this.deps.args, { port: settings.defaultPort }).port,
      })
      .catch(() => {});
    return proc;
  }

  /** The health check of a switch's target, or of the source after a rollback. */
  private async validate(proc: ComfyuiProcess): Promise<'again' | 'go-on' | number> {
    const env = this.current;
    await this.flow.step('validating', env);
    const health = await this.healthCheck(proc);
    this.record({ type: 'health', env, healthy: health.healthy, afterMs: Math.round(health.afterMs) });
    if (this.phase.signal.aborted) return 'go-on';
    const phase = this.flow.phase;
    if (health.healthy) {
      this.deps.logger.info(`${env} is healthy after ${Math.round(health.afterMs)} ms`);
      if (phase?.kind === 'rolling_back') await this.flow.rolledBack();
      else await this.flow.complete(env);
      this.crashPolicy.reset();
      return 'go-on';
    }
    const why =
      health.reason === 'exited'
        ? `exited with code ${health.exitCode}`
        : health.reason === 'timeout'
          ? 'did not become healthy in time'
          : 'aborted';
    this.deps.logger.warn(`health check of ${env} failed: ${why}`);
    const exit = await this.stopProc();
    if (phase?.kind === 'switching') {
      const source = await this.flow.rollBack(`Health check of ${env} failed (${why})`);
      if (source) {
        this.current = source;
        return 'again';
      }
      await this.flow.critical(
        `${env} failed its health check (${why}) and there is no environment to roll back to`,
        `comfyvisor keeps retrying ${env}; switch to a working environment with \`comfyvisor switch <env>\``,
      );
    } else {
      await this.flow.critical(
        `Rollback failed: ${env} is not healthy either (${why})`,
        `comfyvisor keeps retrying ${env}; check \`comfyvisor logs\` and repair the environment`,
      );
    }
    const decision = await this.onCrash(exit ?? { code: health.exitCode ?? null, signal: null }, proc);
    return decision ?? 'again';
  }

  private healthCheck(proc: ComfyuiProcess): Promise<HealthResult> {
    if (this.deps.healthCheck) return this.deps.healthCheck(proc, this.phase.signal);
    const s = this.deps.settings;
    const url = comfyuiUrl(comfyuiAddress(this.deps.args, { host: s.defaultHost, port: s.defaultPort }));
    return waitForHealthy({
      probe: () => probeHttp(url, 2_000),
      exited: proc.exited.then((e) => e.code),
      timeoutMs: s.healthTimeoutMs,
      intervalMs: s.healthIntervalMs,
      successes: s.healthSuccesses,
      signal: this.phase.signal,
      clock: this.world.clock,
    });
  }

  /** Watches a running ComfyUI for hangs until it exits or is stopped. */
  private watchLiveness(proc: ComfyuiProcess, signal: AbortSignal): void {
    const s = this.deps.settings;
    if (!s.livenessEnabled) return;
    const url = comfyuiUrl(comfyuiAddress(this.deps.args, { host: s.defaultHost, port: s.defaultPort }));
    const probe = this.deps.livenessProbe ?? (async () => (await probeHttp(url, s.livenessTimeoutMs)).ok);
    void watchLiveness({
      intervalMs: s.livenessIntervalMs,
      failures: s.livenessFailures,
      probe,
      clock: this.world.clock,
      signal,
    }).then((result) => {
      if (result.hung) this.mailbox.push({ kind: 'hung', proc, failures: result.failures });
    });
  }

  private async stopProc(): Promise<ComfyuiExit | null> {
    const proc = this.proc;
    if (!proc) return null;
    const exit = await proc.stop(this.deps.settings.stopGraceMs);
    // Its exit event is stale now.
    this.mailbox.takeWhere((e) => (e.kind === 'exit' || e.kind === 'hung') && e.proc === proc);
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

  private async waitForExitOrCommand(
    proc: ComfyuiProcess,
  ): Promise<
    { type: 'exit'; exit: ComfyuiExit } | { type: 'exit-code'; code: number } | { type: 'continue' }
  > {
    const watching = new AbortController();
    const stopWatching = () => watching.abort();
    this.phase.signal.addEventListener('abort', stopWatching, { once: true });
    this.watchLiveness(proc, watching.signal);
    try {
      for (;;) {
        const event = await this.mailbox.next();
        if (event.kind === 'exit') {
          if (event.proc !== proc) continue; // an older process
          this.exitSeenAt = this.world.clock.now();
          return { type: 'exit', exit: event.exit };
        }
        if (event.kind === 'signal') return { type: 'exit-code', code: await this.handleUrgent(event) };
        if (event.kind === 'hung') {
          if (event.proc !== proc) continue;
          const decision = await this.onHung(proc, event.failures);
          return decision === null ? { type: 'continue' } : { type: 'exit-code', code: decision };
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
              continue;
            }
            this.deps.logger.info('restart requested; stopping ComfyUI');
            this.record({ type: 'restart', env: this.current, reason: 'command' });
            await this.stopProc();
            this.crashPolicy.reset();
            return { type: 'continue' };
          case 'switch': {
            const problem = this.flow.reject(command.targetEnv);
            if (problem) {
              await this.flow.refuse(problem, command.targetEnv, this.current);
              continue;
            }
            const source = this.current;
            await this.stopProc();
            this.current = command.targetEnv;
            await this.flow.begin(command.targetEnv, source);
            return { type: 'continue' };
          }
        }
      }
    } finally {
      watching.abort();
      this.phase.signal.removeEventListener('abort', stopWatching);
    }
  }

  /** Acts on an exit of ComfyUI; returns an exit code to stop with, or null to go on. */
  private async onExit(exit: ComfyuiExit, proc: ComfyuiProcess): Promise<number | null> {
    const { logger } = this.deps;
    const action = decideExit(exit, exit.code === 0 && (await this.deps.store.takeRebootMarker()));
    this.record({
      type: 'comfyui_exit',
      env: this.current,
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
        this.record({ type: 'restart', env: this.current, reason: action.reason });
        this.crashPolicy.reset();
        return null;
      case 'switch':
        await this.onSwitchExit();
        return null;
      case 'crash':
        return this.onCrash(exit, proc);
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

  private async onHung(proc: ComfyuiProcess, failures: number): Promise<number | null> {
    const s = this.deps.settings;
    const silentFor = Math.round((failures * s.livenessIntervalMs) / 1000);
    this.deps.logger.warn(
      `ComfyUI (${this.current}, pid ${proc.pid}) has not answered for ~${silentFor} s (${failures} probes): it is hung; restarting it`,
    );
    this.record({ type: 'hung', env: this.current, pid: proc.pid, failures });
    await this.status.write({
      state: 'recovering',
      message: `ComfyUI (${this.current}) stopped answering; restarting it`,
      targetEnv: this.current,
      sourceEnv: null,
      error: `hung: ${failures} failed liveness probes`,
    });
    const exit = await this.stopProc();
    return this.onCrash(exit ?? { code: null, signal: 'SIGKILL' }, proc, 'hung');
  }

  /** Returns an exit code to give up with, or null to go on. */
  private async onCrash(
    exit: ComfyuiExit,
    proc: ComfyuiProcess,
    kind: 'crash' | 'hung' = 'crash',
  ): Promise<number | null> {
    const { logger } = this.deps;
    const what = kind === 'hung' ? 'hung' : describeExit(exit);
    if (kind === 'crash') logger.warn(`ComfyUI (${this.current}) crashed: ${what}`);
    const decision = this.crashPolicy.recordCrash(this.world.clock.now(), this.usedExtraArgs);
    if (decision.action === 'retry_without_extra_args') {
      await this.status.write({
        state: 'recovering',
        message: 'ComfyUI crashed. Retrying without custom startup args...',
        targetEnv: this.current,
        sourceEnv: null,
        error: `Crash with ${what}`,
      });
      this.record({ type: 'restart', env: this.current, reason: kind });
      return null;
    }
    if (decision.action === 'give_up') {
      await proc.drained;
      const lines = proc.tail(20);
      logger.error(
        `ComfyUI ${kind === 'hung' ? 'hung or crashed' : 'crashed'} ${decision.crashesInWindow} times; giving up. Last output:\n${lines.join('\n')}`,
      );
      this.record({ type: 'give_up', env: this.current, crashes: decision.crashesInWindow, lastExit: what });
      await this.status.write({
        state: 'critical_failure',
        message: `ComfyUI keeps failing (${what}); the supervisor gave up. Nothing is running: check \`comfyvisor logs\`, then start it again`,
        targetEnv: this.current,
        sourceEnv: null,
        error: `Crash with ${what}\n${lines.join('\n')}`,
      });
      await this.deps.store.releaseLock();
      return 1;
    }
    logger.info(
      `restarting in ${decision.delayMs} ms (failure ${decision.crashesInWindow} of ${this.deps.settings.crashMaxRestarts} allowed)`,
    );
    this.record({
      type: 'backoff',
      env: this.current,
      delayMs: decision.delayMs,
      crashes: decision.crashesInWindow,
    });
    this.record({ type: 'restart', env: this.current, reason: kind });
    await this.world.clock.sleep(decision.delayMs, this.phase.signal);
    return null;
  }
}
