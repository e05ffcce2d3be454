import type { PendingPrompt } from './comfyui-queue.ts';
import type { CoreParts } from './core-parts.ts';
import type { PromptWatch } from './prompt-watch.ts';
import type { SupervisorCommand } from './supervisor-command.ts';

/** How long the drain's first look at the queue may take. */
const TAKE_LOOK_MS = 1_000;

export type DrainAction = 'restart' | 'stop' | 'switch';
export type DrainOutcome = 'finished' | 'timeout' | 'forced' | 'exited';
export type PlannedCommand = Extract<SupervisorCommand, { command: 'restart' | 'shutdown' | 'switch' }>;

/** What `GET /health` shows of a drain under way (`since`: seconds since the epoch). */
export interface DrainView {
  action: DrainAction;
  since: number;
  prompt_id: string | null;
}

interface Draining {
  action: DrainAction;
  command: PlannedCommand;
  sinceWallMs: number;
  startedAt: number;
  promptId: string | null;
  done: AbortController;
}

export function drainAction(command: PlannedCommand): DrainAction {
  return command.command === 'shutdown' ? 'stop' : command.command;
}

/**
 * The drain: before a planned restart, stop or switch, ComfyUI's running prompt may finish, up to
 * `drainTimeoutMs`. The prompts pending behind it are taken out of its queue as it begins (so the
 * old process does not start them): a restart queues them again on the new ComfyUI, a switch and a
 * stop leave them. The outcome arrives as `onEnd`: the prompt finished, the time ran out, or (from
 * the caller) a forced command cut it short or ComfyUI exited.
 */
export class Drain {
  private current: Draining | null = null;
  /** Taken at the drain's start, for the restart to queue again. */
  pending: PendingPrompt[] = [];

  constructor(private readonly parts: CoreParts) {}

  get active(): boolean {
    return this.current !== null;
  }

  view(): DrainView | null {
    const d = this.current;
    return d ? { action: d.action, since: d.sinceWallMs / 1000, prompt_id: d.promptId } : null;
  }

  /** Whether `command` waits for the running prompt: drains on, not forced, a prompt running. */
  applies(command: PlannedCommand, watch: PromptWatch | null): boolean {
    return this.parts.deps.settings.drainEnabled && command.force !== true && (watch?.busy ?? false);
  }

  /** Begins the drain of `watch`'s running prompt; `onEnd` gets its outcome (finished or timeout). */
  async begin(
    command: PlannedCommand,
    watch: PromptWatch,
    onEnd: (outcome: DrainOutcome) => void,
  ): Promise<void> {
    const { world, logger, record, flow, deps } = this.parts;
    const action = drainAction(command);
    const done = new AbortController();
    const sinceWallMs = world.wallNow();
    const startedAt = world.clock.now();
    // the look that takes the pending prompts also names the running one; bounded, so that a
    // ComfyUI whose HTTP a node holds does not hold up a forced command (its pending prompts then
    // stay in its queue, and the drain waits for them too)
    this.pending = (await watch.takePending(TAKE_LOOK_MS)) ?? [];
    const running = watch.last?.running ?? [];
    this.current = { action, command, sinceWallMs, startedAt, promptId: running[0]?.id ?? null, done };
    const timeoutS = Math.round(deps.settings.drainTimeoutMs / 1000);
    record({
      type: 'drain_start',
      action,
      running: Math.max(1, running.length),
      pending: this.pending.length,
    });
    logger.info(
      `${action} waits for ComfyUI's running prompt${this.current.promptId ? ` ${this.current.promptId}` : ''} (up to ${timeoutS} s; --force skips the wait)`,
    );
    if (action === 'switch')
      await flow.waiting(
        `Waiting for the running prompt to finish before switching (up to ${timeoutS} s)...`,
      );
    const timeout = world.clock
      .sleep(deps.settings.drainTimeoutMs, done.signal)
      .then(() => 'timeout' as const);
    const idle = watch.whenIdle(done.signal).then(() => 'finished' as const);
    void Promise.race([idle, timeout]).then((outcome) => {
      if (!done.signal.aborted) onEnd(outcome);
    });
  }

  /**
   * A later planned command while draining: it replaces the one waiting (the latest wins), except
   * that a restart leaves a waiting switch alone (the switch restarts ComfyUI anyway, and its
   * `preparing` status must end as a switch).
   */
  replace(command: PlannedCommand): void {
    const d = this.current;
    if (!d) return;
    if (command.command === 'restart' && d.command.command === 'switch') {
      this.parts.logger.info('restart ignored: the switch waiting for the running prompt restarts ComfyUI');
      return;
    }
    this.current = { ...d, command, action: drainAction(command) };
  }

  /** Ends the drain with `outcome`; returns the command that waited for it. */
  end(outcome: DrainOutcome): PlannedCommand | null {
    const d = this.current;
    if (!d) return null;
    d.done.abort();
    this.current = null;
    const durationMs = Math.round(this.parts.world.clock.now() - d.startedAt);
    this.parts.record({ type: 'drain_end', action: d.action, outcome, durationMs });
    this.parts.logger.info(
      `drain ended (${outcome}) after ${(durationMs / 1000).toFixed(1)} s; ${d.action} now`,
    );
    return d.command;
  }
}
