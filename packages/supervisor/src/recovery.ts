import type { Clock } from '@comfyvisor/health';
import type { ComfyuiProcess } from './comfyui-process.ts';
import { CrashPolicy } from './crash-policy.ts';
import { type ComfyuiExit, describeExit } from './exit-policy.ts';
import type { Logger } from './logger.ts';
import type { Settings } from './settings.ts';
import type { StatusReporter } from './status-reporter.ts';
import type { WatchdogDetail } from './supervisor-command.ts';
import type { RecordEvent } from './supervisor-event.ts';
import type { SwitchChannel } from './switch-channel.ts';

/**
 * What happens after ComfyUI crashed or hung: the extra_args retry (`recovering`), backoff, or
 * giving up with `critical_failure` and ComfyUI's last lines. A hang counts as a crash, so a box
 * that hangs over and over gives up like a crash loop.
 */
export class Recovery {
  private readonly policy: CrashPolicy;

  constructor(
    private readonly settings: Settings,
    private readonly switches: SwitchChannel,
    private readonly status: StatusReporter,
    private readonly logger: Logger,
    private readonly record: RecordEvent,
    private readonly clock: Clock,
    /** The command that brings `env` back after giving up (status `recovery_command`). */
    private readonly recover: (env: string) => string = () => '',
  ) {
    this.policy = new CrashPolicy({
      maxRestarts: settings.crashMaxRestarts,
      windowMs: settings.crashWindowMs,
      backoffInitialMs: settings.crashBackoffInitialMs,
      backoffMaxMs: settings.crashBackoffMaxMs,
    });
  }

  get skipExtraArgs(): boolean {
    return this.policy.skipExtraArgs;
  }

  /** A healthy switch or a deliberate restart starts afresh. */
  reset(): void {
    this.policy.reset();
  }

  async hung(env: string, proc: ComfyuiProcess, failures: number, stackDump: boolean): Promise<void> {
    const silentFor = Math.round((failures * this.settings.livenessIntervalMs) / 1000);
    this.logger.warn(
      `ComfyUI (${env}, pid ${proc.pid}) has not answered for ~${silentFor} s (${failures} probes): it is hung; restarting it${stackDump ? " (its threads' stacks are in comfyui.log)" : ''}`,
    );
    this.record({ type: 'hung', env, pid: proc.pid, failures, stack_dump: stackDump });
    await this.status.write({
      state: 'recovering',
      message: `ComfyUI (${env}) stopped answering; restarting it`,
      targetEnv: env,
      sourceEnv: null,
      error: `hung: ${failures} failed liveness probes`,
    });
  }

  /** Returns an exit code to give up with, or null to start again (after the backoff). */
  async afterFailure(
    env: string,
    exit: ComfyuiExit,
    proc: ComfyuiProcess,
    usedExtraArgs: boolean,
    kind: 'crash' | 'hung' | 'fatal_output',
    signal: AbortSignal,
    detail: WatchdogDetail = {},
  ): Promise<number | null> {
    const what = kind === 'hung' ? 'hung' : kind === 'fatal_output' ? 'fatal output' : describeExit(exit);
    if (kind === 'crash') this.logger.warn(`ComfyUI (${env}) crashed: ${what}`);
    const decision = this.policy.recordCrash(this.clock.now(), usedExtraArgs);
    if (decision.action === 'retry_without_extra_args') {
      await this.status.write({
        state: 'recovering',
        message: 'ComfyUI crashed. Retrying without custom startup args...',
        targetEnv: env,
        sourceEnv: null,
        error: `Crash with ${what}`,
      });
      this.record({ type: 'restart', env, reason: kind, ...detail });
      return null;
    }
    if (decision.action === 'give_up') {
      await proc.drained;
      const lines = proc.tail(20);
      this.logger.error(
        `ComfyUI ${kind === 'crash' ? 'crashed' : `${kind === 'hung' ? 'hung' : 'failed'} or crashed`} ${decision.crashesInWindow} times; giving up. Last output:\n${lines.join('\n')}`,
      );
      this.record({ type: 'give_up', env, crashes: decision.crashesInWindow, lastExit: what });
      await this.status.write({
        state: 'critical_failure',
        message: `ComfyUI keeps failing (${what}); the supervisor gave up. Nothing is running: check \`comfyvisor logs\`, then start it again`,
        targetEnv: env,
        sourceEnv: null,
        error: `Crash with ${what}\n${lines.join('\n')}`,
        extra: { recovery_command: this.recover(env) },
      });
      await this.switches.releaseLock();
      return 1;
    }
    this.logger.info(
      `restarting in ${decision.delayMs} ms (failure ${decision.crashesInWindow} of ${this.settings.crashMaxRestarts} allowed)`,
    );
    this.record({ type: 'backoff', env, delayMs: decision.delayMs, crashes: decision.crashesInWindow });
    this.record({ type: 'restart', env, reason: kind, ...detail });
    await this.clock.sleep(decision.delayMs, signal);
    return null;
  }
}
