import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentExists, getEnvironment, validateEnvironmentName } from '@comfyvisor/detection';
import {
  type Clock,
  comfyuiAddress,
  comfyuiUrl,
  type HealthResult,
  probeHttp,
  probeTcp,
  systemClock,
  waitForHealthy,
} from '@comfyvisor/health';
import {
  acquireSwitchLock,
  type Command,
  cleanupStaleTempFiles,
  inspectSwitchRequest,
  metadataDir,
  releaseSwitchLock,
  removeSwitchRequest,
  removeSwitchStatus,
  type SwitchState,
  takeCommand,
  type Watcher,
  watchFile,
  writeStartupState,
  writeSwitchStatus,
} from '@comfyvisor/ipc-files';
import { backendFlags, readTorchVersion } from './backend-flags.ts';
import { type ComfyuiExit, type ComfyuiProcess, type SpawnComfyui, spawnComfyui } from './comfyui-process.ts';
import { CrashPolicy } from './crash-policy.ts';
import { EnvironmentUnusableError } from './errors.ts';
import type { Logger } from './logger.ts';
import { Mailbox } from './mailbox.ts';
import { type Reaper, startReaper } from './reaper.ts';
import type { Settings } from './settings.ts';
import type { SyncEnvironment } from './sync.ts';

export const EXIT_CLEAN = 0;
export const EXIT_RESTART = 42;
export const EXIT_SWITCH = 43;

export type SupervisorCommand =
  | { command: 'restart' }
  | { command: 'shutdown' }
  | { command: 'abort_switch'; reason?: string }
  | { command: 'switch'; targetEnv: string };

type Event =
  | { kind: 'exit'; proc: ComfyuiProcess; exit: ComfyuiExit }
  | { kind: 'command'; command: SupervisorCommand }
  | { kind: 'signal'; signal: NodeJS.Signals };

/** Test seams and wiring; `runSupervisor` fills them for real use. */
export interface SupervisorDeps {
  workspace: string;
  environment: string;
  args: string[];
  settings: Settings;
  logger: Logger;
  sync: SyncEnvironment;
  spawn?: SpawnComfyui | undefined;
  /** @default systemClock (health's) */
  clock?: Clock | undefined;
  /** Replaces the HTTP health check of a switched-to ComfyUI. */
  healthCheck?:
    | ((proc: ComfyuiProcess, args: string[], signal: AbortSignal) => Promise<HealthResult>)
    | undefined;
  torchVersion?: ((python: string) => Promise<string | null>) | undefined;
  platform?: NodeJS.Platform | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Start the lifeline reaper (see reaper.ts). @default true */
  lifeline?: boolean | undefined;
  /** Pass ComfyUI's output through to ours. @default true */
  passThrough?: boolean | undefined;
  /** Where ComfyUI's output is kept. */
  logFile?: string | undefined;
  /** ms since the epoch, for status files. @default Date.now */
  now?: (() => number) | undefined;
}

/** What the control API shows. */
export interface SupervisorSnapshot {
  pid: number;
  currentEnv: string;
  switching: { target: string; source: string | null } | null;
  comfyui: { pid: number; running: boolean; startedAt: number } | null;
}

/**
 * The supervision loop: sync, start, wait, act on the exit code (0 stop, 42 restart, 43 switch,
 * else crash), with health-checked switches that roll back, crash recovery, and commands.
 */
export class Supervisor {
  private current: string;
  private proc: ComfyuiProcess | null = null;
  private switching: { target: string; source: string | null } | null = null;
  /** The target a rollback came from, until the rolled-back environment is running again. */
  private rolledBackFrom: string | null = null;
  private skipExtraArgs = false;
  private usedExtraArgs = false;
  private readonly mailbox = new Mailbox<Event>();
  private phase = new AbortController();
  private readonly torch = new Map<string, Promise<string | null>>();
  private readonly crashPolicy: CrashPolicy;
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly spawn: SpawnComfyui;
  private readonly now: () => number;
  private watcher: Watcher | null = null;
  private reaper: Reaper | null = null;
  private clearTimer: NodeJS.Timeout | null = null;
  private readonly session: string;
  private starts = 0;
  /** When the last ComfyUI exit was seen (performance.now()), to report the restart overhead. */
  private exitSeenAt: number | null = null;

  constructor(private readonly deps: SupervisorDeps) {
    this.current = deps.environment;
    this.dir = metadataDir(deps.workspace);
    this.clock = deps.clock ?? systemClock;
    this.spawn = deps.spawn ?? spawnComfyui;
    this.now = deps.now ?? Date.now;
    this.session = join(this.dir, `.comfyvisor-session-${process.pid}`);
    this.crashPolicy = new CrashPolicy({
      maxRestarts: deps.settings.crashMaxRestarts,
      windowMs: deps.settings.crashWindowMs,
      backoffInitialMs: deps.settings.crashBackoffInitialMs,
      backoffMaxMs: deps.settings.crashBackoffMaxMs,
    });
  }

  snapshot(): SupervisorSnapshot {
    return {
      pid: process.pid,
      currentEnv: this.current,
      switching: this.switching,
      comfyui: this.proc
        ? { pid: this.proc.pid, running: this.proc.running, startedAt: this.proc.startedAt }
        : null,
    };
  }

  /** Queues a command (from `.cmd`, the control API, or a caller). Acted on at once. */
  send(command: SupervisorCommand): void {
    this.deps.logger.info(
      `command: ${command.command}${command.command === 'switch' ? ` ${command.targetEnv}` : ''}`,
    );
    this.mailbox.push({ kind: 'command', command });
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

  /** Runs until ComfyUI exits cleanly, a shutdown, a signal, or giving up on crashes. */
  async run(): Promise<number> {
    const { logger } = this.deps;
    await cleanupStaleTempFiles(this.dir);
    await rm(`${this.session}.reboot`, { force: true });
    if (this.deps.lifeline ?? true) this.reaper = startReaper(this.deps.platform);
    this.watcher = watchFile(this.dir, '.cmd', () => void this.pollCommand(), { pollMs: 1000 });
    void this.pollCommand();
    try {
      await this.takePendingRequest();
      logger.info(`supervising ${this.current}`);
      return await this.loop();
    } finally {
      this.watcher?.close();
      if (this.proc?.running) await this.proc.stop(this.deps.settings.stopGraceMs);
      this.reaper?.close();
      if (this.clearTimer) {
        // A finished switch's status and lock would have been cleared in a moment: do it now.
        clearTimeout(this.clearTimer);
        await removeSwitchStatus(this.dir);
        await releaseSwitchLock(this.dir);
      }
      await rm(`${this.session}.reboot`, { force: true });
    }
  }

  private async pollCommand(attempt = 0): Promise<void> {
    // A writer that does not rename atomically shows us an empty or half-written file first: give it
    // a few milliseconds before consuming what is there (the protocol's writers rename atomically).
    const text = await readFile(join(this.dir, '.cmd'), 'utf8').catch(() => null);
    if (text === null) return;
    if (attempt < 5 && !isCompleteJson(text)) {
      setTimeout(() => void this.pollCommand(attempt + 1), 20).unref();
      return;
    }
    const taken = await takeCommand(this.dir, { logger: this.deps.logger });
    if (taken.kind === 'unknown') {
      this.deps.logger.warn(`unknown command dropped: ${JSON.stringify(taken.raw).slice(0, 200)}`);
      return;
    }
    if (taken.kind === 'none') return;
    const command = toSupervisorCommand(taken.command);
    if (command) this.send(command);
    else this.deps.logger.warn(`command ${taken.command.command} without target_env dropped`);
  }

  private async status(
    state: SwitchState,
    message: string,
    extra: { error?: string | null; target?: string | null; source?: string | null } = {},
  ) {
    if (this.clearTimer) {
      clearTimeout(this.clearTimer);
      this.clearTimer = null;
    }
    await writeSwitchStatus(
      this.dir,
      {
        state,
        message,
        targetEnv: extra.target !== undefined ? extra.target : (this.switching?.target ?? this.current),
        sourceEnv: extra.source !== undefined ? extra.source : (this.switching?.source ?? null),
        ...(extra.error !== undefined ? { error: extra.error } : {}),
      },
      { now: this.now },
    ).catch((error: Error) => this.deps.logger.warn(`could not write the switch status: ${error.message}`));
  }

  /** Clears the status and releases the lock a few seconds after a switch ended. */
  private finishSwitchLater(): void {
    if (this.clearTimer) clearTimeout(this.clearTimer);
    this.clearTimer = setTimeout(() => {
      this.clearTimer = null;
      void removeSwitchStatus(this.dir);
      void releaseSwitchLock(this.dir);
    }, this.deps.settings.statusClearMs);
    this.clearTimer.unref();
  }

  /** Why `name` cannot be switched to, or null when it can. */
  private rejectTarget(name: unknown): string | null {
    const check = validateEnvironmentName(name);
    if (!check.ok) return `invalid environment name: ${check.reason}`;
    if (!environmentExists(this.deps.workspace, check.name))
      return `environment "${check.name}" does not exist`;
    return null;
  }

  private async rejectSwitch(reason: string, target: string | null): Promise<void> {
    this.deps.logger.warn(`switch request refused: ${reason}; staying on ${this.current}`);
    await this.status('failed', `Switch refused: ${reason}. Staying on ${this.current}.`, {
      error: reason,
      target,
      source: this.current,
    });
    await removeSwitchRequest(this.dir);
    this.finishSwitchLater();
  }

  private async beginSwitch(target: string, source: string | null): Promise<void> {
    this.switching = { target, source };
    this.current = target;
    this.rolledBackFrom = null;
    this.deps.logger.info(`switching from ${source ?? '(none)'} to ${target}`);
    await this.status('preparing', `Preparing to switch from ${source ?? 'nothing'} to ${target}...`);
  }

  /** A request already waiting at start-up is honoured first. */
  private async takePendingRequest(): Promise<void> {
    const found = await inspectSwitchRequest(this.dir, { logger: this.deps.logger });
    if (found.kind === 'missing') return;
    if (found.kind === 'invalid')
      return this.rejectSwitch(`the switch request is unreadable (${found.reason})`, null);
    await removeSwitchRequest(this.dir);
    const { targetEnv, sourceEnv } = found.request;
    const problem = this.rejectTarget(targetEnv);
    if (problem) return this.rejectSwitch(problem, targetEnv);
    // Started for this switch (lazily, by the panel side): roll back to where the request came from,
    // if that is an environment we can start; else to the one we were started with.
    const usableSource = sourceEnv && this.rejectTarget(sourceEnv) === null ? sourceEnv : null;
    const source = usableSource ?? (targetEnv === this.current ? null : this.current);
    await this.beginSwitch(targetEnv, source === targetEnv ? null : source);
  }

  /**
   * A ComfyUI we do not own may still hold the port (the unsupervised one that asked for this
   * switch is exiting with 43): wait for it to be released rather than crash on a busy port.
   */
  private async waitForPort(): Promise<void> {
    const s = this.deps.settings;
    if (s.portWaitMs <= 0) return;
    const { host, port } = comfyuiAddress(this.deps.args, { host: s.defaultHost, port: s.defaultPort });
    if (!(await probeTcp(host, port, 200)).ok) return;
    this.deps.logger.info(`port ${port} is still in use; waiting for it to be released`);
    const deadline = this.clock.now() + s.portWaitMs;
    while (this.clock.now() < deadline && !this.phase.signal.aborted) {
      await this.clock.sleep(100, this.phase.signal);
      if (!(await probeTcp(host, port, 200)).ok) return;
    }
    this.deps.logger.warn(
      `port ${port} is still in use after ${Math.round(s.portWaitMs / 1000)} s; starting anyway`,
    );
  }

  private async syncCurrent(): Promise<void> {
    const env = this.current;
    if (this.switching) await this.status('syncing', `Syncing ${env}...`);
    const result = await this.deps.sync(env, this.phase.signal);
    if (result.ok && result.skipped) this.deps.logger.debug(`sync skipped: ${result.reason}`);
    else if (result.ok) this.deps.logger.info(`synced ${env} in ${Math.round(result.durationMs)} ms`);
    else {
      this.deps.logger.warn(`sync of ${env} failed (${result.reason}); starting anyway`);
      if (result.outputTail) this.deps.logger.debug(result.outputTail);
      if (this.switching)
        await this.status('syncing', `Sync of ${env} failed (${result.reason}); starting anyway...`, {
          error: result.reason,
        });
    }
  }

  private torchVersionOf(python: string): Promise<string | null> {
    let cached = this.torch.get(python);
    if (!cached) {
      cached = (this.deps.torchVersion ?? readTorchVersion)(python);
      this.torch.set(python, cached);
    }
    return cached;
  }

  private async startCurrent(): Promise<ComfyuiProcess> {
    const environment = getEnvironment(this.deps.workspace, this.current, { platform: this.deps.platform });
    if (!existsSync(environment.python))
      throw new EnvironmentUnusableError(`${this.current} has no interpreter at ${environment.python}`);
    if (!existsSync(environment.mainPy))
      throw new EnvironmentUnusableError(`${this.current} has no ComfyUI at ${environment.mainPy}`);
    // Only the first start can find the port held by a ComfyUI we do not own (the one that asked a
    // lazily spawned supervisor for a switch); later ones follow our own ComfyUI's exit.
    const first = this.starts++ === 0;
    const [torch] = await Promise.all([
      this.torchVersionOf(environment.python),
      first ? this.waitForPort() : undefined,
    ]);
    const flags = backendFlags(torch, this.deps.platform ?? process.platform);
    const extra = this.skipExtraArgs ? [] : this.deps.settings.extraArgs;
    this.usedExtraArgs = extra.length > 0;
    const args = [environment.mainPy, ...flags, ...extra, ...this.deps.args];
    if (this.switching) await this.status('starting', `Starting ${this.current}...`);
    const env = {
      ...(this.deps.env ?? process.env),
      COMFYGIT_SUPERVISED: '1',
      __COMFY_CLI_SESSION__: this.session,
    };
    const proc = this.spawn({
      command: environment.python,
      args,
      cwd: environment.comfyuiDir,
      env,
      logFile: this.deps.logFile,
      passThrough: this.deps.passThrough,
      parentDeathSignal: this.deps.settings.parentDeathSignal,
    });
    this.proc = proc;
    if (this.exitSeenAt !== null) {
      this.deps.logger.debug(
        `restart overhead: ${(performance.now() - this.exitSeenAt).toFixed(2)} ms from exit to spawn`,
      );
      this.exitSeenAt = null;
    }
    this.reaper?.watch(proc.pid);
    proc.exited.then((exit) => this.mailbox.push({ kind: 'exit', proc, exit }));
    this.deps.logger.info(`started ComfyUI (${this.current}) pid ${proc.pid}: ${args.slice(1).join(' ')}`);
    void writeStartupState(this.dir, {
      pythonExecutable: environment.python,
      workingDirectory: environment.comfyuiDir,
      argv: args,
      environmentName: this.current,
      workspaceRoot: this.deps.workspace,
      port: comfyuiAddress(this.deps.args, { port: this.deps.settings.defaultPort }).port,
    }).catch(() => {});
    return proc;
  }

  private healthCheck(proc: ComfyuiProcess): Promise<HealthResult> {
    if (this.deps.healthCheck) return this.deps.healthCheck(proc, this.deps.args, this.phase.signal);
    const s = this.deps.settings;
    const url = comfyuiUrl(comfyuiAddress(this.deps.args, { host: s.defaultHost, port: s.defaultPort }));
    return waitForHealthy({
      probe: () => probeHttp(url, 2_000),
      exited: proc.exited.then((e) => e.code),
      timeoutMs: s.healthTimeoutMs,
      intervalMs: s.healthIntervalMs,
      successes: s.healthSuccesses,
      signal: this.phase.signal,
      clock: this.clock,
    });
  }

  private async stopProc(): Promise<ComfyuiExit | null> {
    const proc = this.proc;
    if (!proc) return null;
    const exit = await proc.stop(this.deps.settings.stopGraceMs);
    this.reaper?.forget(proc.pid);
    // Its exit event is stale now.
    this.mailbox.takeWhere((e) => e.kind === 'exit' && e.proc === proc);
    return exit;
  }

  private urgent(): Event | undefined {
    return this.mailbox.takeWhere(
      (e) =>
        e.kind === 'signal' ||
        (e.kind === 'command' && (e.command.command === 'shutdown' || e.command.command === 'abort_switch')),
    );
  }

  /** Handles a stop, shutdown or abort; returns the exit code, or null to go on. */
  private async handleUrgent(event: Event): Promise<number | null> {
    if (event.kind === 'command' && event.command.command === 'abort_switch') {
      await this.stopProc();
      const switching = this.switching;
      await this.status('aborted', 'Switch aborted by user (manual restart detected)', {
        target: switching?.target ?? this.current,
        source: switching?.source ?? null,
      });
      await releaseSwitchLock(this.dir);
      await removeSwitchRequest(this.dir);
      this.deps.logger.info('switch aborted; shutting down so the manual process can take over');
      return 0;
    }
    await this.stopProc();
    if (this.switching) {
      // Stopped in the middle of a switch: leave a final status and no lock behind.
      await this.status('failed', `Stopped during the switch to ${this.switching.target}`, {
        error: event.kind === 'signal' ? `supervisor received ${event.signal}` : 'shutdown requested',
      });
      this.switching = null;
      await releaseSwitchLock(this.dir);
    }
    this.deps.logger.info(
      event.kind === 'signal' ? `stopped on ${event.signal}` : 'shutdown requested; stopped',
    );
    return 0;
  }

  private freshPhase(): void {
    if (this.phase.signal.aborted) this.phase = new AbortController();
  }

  private async loop(): Promise<number> {
    const { logger } = this.deps;
    for (;;) {
      this.freshPhase();
      let pending = this.urgent();
      if (pending) return (await this.handleUrgent(pending)) ?? 0;

      await this.syncCurrent();
      pending = this.urgent();
      if (pending) return (await this.handleUrgent(pending)) ?? 0;

      let proc: ComfyuiProcess;
      try {
        proc = await this.startCurrent();
      } catch (error) {
        if (
          !(error instanceof EnvironmentUnusableError) ||
          !this.switching?.source ||
          this.switching.source === this.current
        )
          throw error;
        logger.warn(error.message);
        await this.rollBack(error.message);
        continue;
      }

      if (this.switching) {
        await this.status('validating', `Waiting for ${this.current} to be healthy...`);
        const health = await this.healthCheck(proc);
        pending = this.urgent();
        if (pending) return (await this.handleUrgent(pending)) ?? 0;
        if (health.healthy) {
          logger.info(`${this.current} is healthy after ${Math.round(health.afterMs)} ms`);
          await this.status('complete', `Successfully switched to ${this.current}`);
          // The next switch may start at once; the status stays visible a moment for the panel.
          await releaseSwitchLock(this.dir);
          this.switching = null;
          this.rolledBackFrom = null;
          this.crashPolicy.reset();
          this.skipExtraArgs = false;
          this.finishSwitchLater();
        } else {
          const why =
            health.reason === 'exited'
              ? `exited with code ${health.exitCode}`
              : health.reason === 'timeout'
                ? 'did not become healthy in time'
                : 'aborted';
          logger.warn(`health check of ${this.current} failed: ${why}`);
          await this.stopProc();
          if (this.switching.source && this.switching.source !== this.current) {
            await this.rollBack(`Health check failed (${why})`);
            continue;
          }
          await this.status('failed', `Health check failed for ${this.current}`, {
            error: 'No source environment to rollback to',
          });
          this.switching = null;
          this.finishSwitchLater();
          // Nothing to roll back to: treat it as a crash of this environment.
          const decision = await this.onCrash({ code: health.exitCode ?? null, signal: null }, proc);
          if (decision !== null) return decision;
          continue;
        }
      } else if (this.rolledBackFrom !== null) {
        const failedTarget = this.rolledBackFrom;
        this.rolledBackFrom = null;
        await this.status('failed', `Switch to ${failedTarget} failed; rolled back to ${this.current}`, {
          error: `${failedTarget} was not healthy`,
          target: failedTarget,
          source: this.current,
        });
        this.finishSwitchLater();
      }

      const outcome = await this.waitForExitOrCommand(proc);
      if (outcome.type === 'exit-code') return outcome.code;
      if (outcome.type === 'continue') continue;
      const exit = outcome.exit;
      const code = exit.code;
      if (code === EXIT_CLEAN && exit.signal === null) {
        if (existsSync(`${this.session}.reboot`)) {
          await rm(`${this.session}.reboot`, { force: true });
          logger.info('ComfyUI-Manager asked for a restart; restarting');
          this.crashPolicy.reset();
          continue;
        }
        logger.info('ComfyUI exited cleanly; stopping');
        return 0;
      }
      if (code === EXIT_RESTART) {
        logger.info('restart requested (exit 42); syncing and starting again');
        this.skipExtraArgs = false;
        this.crashPolicy.reset();
        continue;
      }
      if (code === EXIT_SWITCH) {
        await this.onSwitchExit();
        continue;
      }
      const decision = await this.onCrash(exit, proc);
      if (decision !== null) return decision;
    }
  }

  private async rollBack(reason: string): Promise<void> {
    const switching = this.switching;
    if (!switching?.source) return;
    this.deps.logger.info(`rolling back to ${switching.source}`);
    await this.status('rolling_back', `${reason}, rolling back to ${switching.source}...`, { error: reason });
    this.current = switching.source;
    this.switching = null;
    this.rolledBackFrom = switching.target;
  }

  private async onSwitchExit(): Promise<void> {
    const found = await inspectSwitchRequest(this.dir, { logger: this.deps.logger });
    if (found.kind === 'missing') return this.rejectSwitch('exit 43 without a switch request', null);
    if (found.kind === 'invalid')
      return this.rejectSwitch(`the switch request is unreadable (${found.reason})`, null);
    await removeSwitchRequest(this.dir);
    const { targetEnv } = found.request;
    const problem = this.rejectTarget(targetEnv);
    if (problem) return this.rejectSwitch(problem, targetEnv);
    await this.beginSwitch(targetEnv, this.current);
  }

  /** Returns an exit code to give up with, or null to go on. */
  private async onCrash(exit: ComfyuiExit, proc: ComfyuiProcess): Promise<number | null> {
    const { logger } = this.deps;
    const what = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    logger.warn(`ComfyUI (${this.current}) crashed: ${what}`);
    if (this.usedExtraArgs && !this.skipExtraArgs) {
      this.skipExtraArgs = true;
      await this.status('recovering', 'ComfyUI crashed. Retrying without custom startup args...', {
        error: `Crash with ${what}`,
        target: this.current,
        source: null,
      });
      return null;
    }
    const decision = this.crashPolicy.recordCrash(this.now());
    if (decision.action === 'give_up') {
      await proc.drained;
      const lines = proc.tail(20);
      logger.error(
        `ComfyUI crashed ${decision.crashesInWindow} times; giving up. Last output:\n${lines.join('\n')}`,
      );
      await this.status('failed', `ComfyUI keeps crashing (${what}); the supervisor gave up`, {
        error: `Crash with ${what}\n${lines.join('\n')}`,
        target: this.current,
        source: null,
      });
      await releaseSwitchLock(this.dir);
      return 1;
    }
    logger.info(
      `restarting in ${decision.delayMs} ms (crash ${decision.crashesInWindow} of ${this.deps.settings.crashMaxRestarts} allowed)`,
    );
    await this.clock.sleep(decision.delayMs, this.phase.signal);
    return null;
  }

  private async waitForExitOrCommand(
    proc: ComfyuiProcess,
  ): Promise<
    { type: 'exit'; exit: ComfyuiExit } | { type: 'exit-code'; code: number } | { type: 'continue' }
  > {
    for (;;) {
      const event = await this.mailbox.next();
      if (event.kind === 'exit') {
        if (event.proc !== proc) continue; // an older process
        this.exitSeenAt = performance.now();
        this.reaper?.forget(proc.pid);
        return { type: 'exit', exit: event.exit };
      }
      if (event.kind === 'signal') return { type: 'exit-code', code: (await this.handleUrgent(event)) ?? 0 };
      const command = event.command;
      switch (command.command) {
        case 'shutdown':
        case 'abort_switch':
          return { type: 'exit-code', code: (await this.handleUrgent(event)) ?? 0 };
        case 'restart':
          this.deps.logger.info('restart requested; stopping ComfyUI');
          await this.stopProc();
          this.skipExtraArgs = false;
          this.crashPolicy.reset();
          return { type: 'continue' };
        case 'switch': {
          const problem = this.rejectTarget(command.targetEnv);
          if (problem) {
            await this.rejectSwitch(problem, command.targetEnv);
            continue;
          }
          const source = this.current;
          await this.stopProc();
          await this.beginSwitch(command.targetEnv, source);
          return { type: 'continue' };
        }
      }
    }
  }

  /** Takes the lock for a switch asked through the API (the panel side takes it for .cmd). */
  async requestSwitch(
    target: string,
  ): Promise<{ ok: true } | { ok: false; status: 400 | 404 | 409; error: string }> {
    const check = validateEnvironmentName(target);
    if (!check.ok) return { ok: false, status: 400, error: check.reason };
    if (!environmentExists(this.deps.workspace, target))
      return { ok: false, status: 404, error: `environment "${target}" does not exist` };
    if (this.switching) return { ok: false, status: 409, error: 'a switch is already in progress' };
    const lock = await acquireSwitchLock(this.dir);
    if (!lock.ok) return { ok: false, status: 409, error: 'a switch is already in progress' };
    this.send({ command: 'switch', targetEnv: target });
    return { ok: true };
  }
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function toSupervisorCommand(command: Command): SupervisorCommand | null {
  switch (command.command) {
    case 'restart':
    case 'shutdown':
      return { command: command.command };
    case 'abort_switch':
      return {
        command: 'abort_switch',
        ...(typeof command.extra.reason === 'string' ? { reason: command.extra.reason } : {}),
      };
    case 'switch':
      return command.targetEnv ? { command: 'switch', targetEnv: command.targetEnv } : null;
  }
}
