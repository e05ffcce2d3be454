import type { SwitchOutcome } from '@comfyvisor/ipc-files';
import type { InstanceStore } from './instance-store.ts';
import type { Logger } from './logger.ts';
import type { StatusReporter } from './status-reporter.ts';
import type { RecordEvent } from './supervisor-event.ts';
import type { SwitchChannel } from './switch-channel.ts';

type Outcome = SwitchOutcome;

/** Where a switch stands: going to `target`, or coming back to `source` after `target` failed. */
export type SwitchPhase =
  | { kind: 'switching'; target: string; source: string | null }
  | { kind: 'rolling_back'; target: string; source: string; reason: string };

/**
 * One switch, from the request to its final state. Every switch ends in one of the three states
 * on which the panel stops polling: `complete`, `rolled_back` (the source runs again; message and
 * `error` say what failed in the target) or `critical_failure` (nothing runs; what to do). The
 * lock is released as the final state is written, and the final status stays until the next
 * switch begins.
 */
export class SwitchFlow {
  phase: SwitchPhase | null = null;
  private startedAt = 0;

  constructor(
    private readonly store: Pick<InstanceStore, 'environment'>,
    private readonly switches: SwitchChannel,
    private readonly status: StatusReporter,
    private readonly logger: Logger,
    private readonly record: RecordEvent,
    /** monotonic ms */
    private readonly now: () => number,
    /** The command that brings `env` back after a critical failure (status `recovery_command`). */
    private readonly recover: (env: string) => string = () => '',
  ) {}

  get active(): boolean {
    return this.phase !== null;
  }

  /** Why `name` cannot be switched to, or null. */
  reject(name: unknown): string | null {
    const found = this.store.environment(name);
    return found.ok ? null : found.reason;
  }

  async begin(target: string, source: string | null): Promise<void> {
    this.phase = { kind: 'switching', target, source: source === target ? null : source };
    this.startedAt = this.now();
    this.record({ type: 'switch_start', target, source: this.phase.source });
    this.logger.info(`switching from ${source ?? '(none)'} to ${target}`);
    await this.write('preparing', `Preparing to switch from ${source ?? 'nothing'} to ${target}...`);
  }

  /** Still `preparing` (a state the panel knows), saying what the switch waits for. */
  async waiting(message: string): Promise<void> {
    if (this.phase?.kind === 'switching') await this.write('preparing', message);
  }

  /** Progress of the environment being started (the target, or the source while rolling back). */
  async step(state: 'syncing' | 'starting' | 'validating', env: string, error?: string): Promise<void> {
    if (!this.phase) return;
    if (this.phase.kind === 'rolling_back') {
      const doing = state === 'validating' ? 'checking it is healthy again' : state;
      await this.write(
        'rolling_back',
        `${this.phase.reason}, rolling back to ${env} (${doing})...`,
        this.phase.reason,
      );
      return;
    }
    const message =
      state === 'validating'
        ? `Waiting for ${env} to be healthy...`
        : error
          ? `Sync of ${env} failed (${error}); starting anyway...`
          : `${cap(state)} ${env}...`;
    await this.write(state, message, error);
  }

  async complete(env: string): Promise<void> {
    await this.write('complete', `Successfully switched to ${env}`);
    await this.end('complete');
  }

  /** The target failed: go back to the source. Returns the source, or null when there is none. */
  async rollBack(reason: string): Promise<string | null> {
    const phase = this.phase;
    if (phase?.kind !== 'switching' || !phase.source) return null;
    this.logger.info(`${reason}; rolling back to ${phase.source}`);
    this.phase = { kind: 'rolling_back', target: phase.target, source: phase.source, reason };
    await this.write('rolling_back', `${reason}, rolling back to ${phase.source}...`, reason);
    return phase.source;
  }

  /** The source runs again and is healthy. */
  async rolledBack(): Promise<void> {
    const phase = this.phase;
    if (phase?.kind !== 'rolling_back') return;
    await this.write(
      'rolled_back',
      `Switch to ${phase.target} failed (${phase.reason}); rolled back to ${phase.source}, which is running again`,
      phase.reason, // it names the target and what failed in it
    );
    await this.end('rolled_back', phase.reason);
  }

  /** Nothing runs (or will run by itself): say so and what to do. */
  async critical(reason: string, advice: string): Promise<void> {
    const phase = this.phase;
    const target = phase?.target ?? null;
    this.logger.error(`${reason}. ${advice}`);
    const env = phase?.source ?? target;
    await this.status.write({
      state: 'critical_failure',
      message: `${reason}. ${advice}`,
      targetEnv: target,
      sourceEnv: phase?.source ?? null,
      error: reason,
      ...(env ? { extra: { recovery_command: this.recover(env) } } : {}),
    });
    await this.end('critical_failure', reason);
  }

  /**
   * `env` cannot be started (no such environment, no interpreter): roll back to the source when
   * switching to it; else nothing can run (`critical_failure`). Returns the environment to start
   * instead, or null when there is none (or no switch is under way: then the caller decides).
   */
  async cannotStart(env: string, reason: string): Promise<{ source: string } | { critical: true } | null> {
    const phase = this.phase;
    if (!phase) return null;
    if (phase.kind === 'switching') {
      const source = await this.rollBack(`${env} cannot start: ${reason}`);
      if (source) return { source };
    }
    await this.critical(
      `${env} cannot start: ${reason}`,
      'Nothing is running: repair the environment, then start it again with `comfyvisor run`',
    );
    return { critical: true };
  }

  /**
   * The verdict of the health check of `env` (a switch's target, or the source after a rollback):
   * complete / rolled_back when healthy; else roll back to the source (returned), or, with none or
   * when the rollback itself is sick, `critical_failure` (null: ComfyUI is then treated as crashed).
   */
  async afterHealthCheck(env: string, healthy: boolean, why: string): Promise<{ source: string } | null> {
    const phase = this.phase;
    if (healthy) {
      if (phase?.kind === 'rolling_back') await this.rolledBack();
      else await this.complete(env);
      return null;
    }
    if (phase?.kind === 'switching') {
      const source = await this.rollBack(`Health check of ${env} failed (${why})`);
      if (source) return { source };
      await this.critical(
        `${env} failed its health check (${why}) and there is no environment to roll back to`,
        `comfyvisor keeps retrying ${env}; switch to a working environment with \`comfyvisor switch <env>\``,
      );
    } else {
      await this.critical(
        `Rollback failed: ${env} is not healthy either (${why})`,
        `comfyvisor keeps retrying ${env}; check \`comfyvisor logs\` and repair the environment`,
      );
    }
    return null;
  }

  /** A request that cannot be honoured: the current environment stays. */
  async refuse(reason: string, target: string | null, current: string): Promise<void> {
    this.logger.warn(`switch request refused: ${reason}; staying on ${current}`);
    await this.status.write({
      state: 'rolled_back',
      message: `Switch refused: ${reason}. Staying on ${current}.`,
      targetEnv: target,
      sourceEnv: current,
      error: reason,
    });
    this.phase = { kind: 'switching', target: target ?? '(unknown)', source: current };
    this.startedAt = this.now();
    await this.end('rolled_back', reason);
  }

  /** abort_switch (the Python protocol's): the supervisor steps aside for a manual ComfyUI. */
  async abort(current: string): Promise<void> {
    const phase = this.phase;
    await this.status.write({
      state: 'aborted',
      message: 'Switch aborted by user (manual restart detected)',
      targetEnv: phase?.target ?? current,
      sourceEnv: phase?.source ?? null,
    });
    await this.end('aborted');
  }

  private async end(outcome: Outcome, error?: string): Promise<void> {
    const phase = this.phase;
    if (phase)
      this.record({
        type: 'switch_end',
        target: phase.target,
        source: phase.source,
        outcome,
        durationMs: Math.round(this.now() - this.startedAt),
        ...(error !== undefined ? { error } : {}),
      });
    this.phase = null;
    await this.switches.releaseLock();
  }

  private write(
    state: 'preparing' | 'syncing' | 'starting' | 'validating' | 'complete' | 'rolling_back' | 'rolled_back',
    message: string,
    error?: string,
  ) {
    const phase = this.phase;
    return this.status.write({
      state,
      message,
      targetEnv: phase?.target ?? null,
      sourceEnv: phase?.source ?? null,
      ...(error !== undefined ? { error } : {}),
    });
  }
}

function cap(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
