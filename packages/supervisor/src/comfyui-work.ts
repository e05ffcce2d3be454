import { comfyuiAddress, comfyuiUrl } from '@comfyvisor/health';
import type { ComfyuiQueue, PendingPrompt } from './comfyui-queue.ts';
import { comfyuiQueue } from './comfyui-queue.ts';
import type { CoreParts } from './core-parts.ts';
import { Drain } from './drain.ts';
import { PromptWatch } from './prompt-watch.ts';

/** How long a look at the queue may take as ComfyUI is being stopped. */
const TAKE_NOW_LOOK_MS = 500;

/** ComfyUI's work as `GET /health` shows it. */
export interface WorkView {
  queue: { running: number; pending: number } | null;
}

/**
 * ComfyUI's work, across its restarts: what the running ComfyUI is doing (its `PromptWatch`), the
 * drain before a planned stop, the pending prompts to queue again after a restart, and what was
 * lost when it ended unplanned.
 */
export class ComfyuiWork {
  watch: PromptWatch | null = null;
  readonly drain: Drain;
  private readonly queue: ComfyuiQueue;
  /** Pending prompts to queue again on the next ComfyUI, once it answers. */
  private toRequeue: PendingPrompt[] = [];

  constructor(
    private readonly parts: CoreParts,
    queue?: ComfyuiQueue,
  ) {
    const { settings, args } = parts.deps;
    const address = comfyuiAddress(args, { host: settings.defaultHost, port: settings.defaultPort });
    const url = comfyuiUrl(address, ''); // the base: the queue API adds its own paths
    this.queue = queue ?? comfyuiQueue(url);
    this.drain = new Drain(parts);
  }

  get busy(): boolean {
    return this.watch?.busy ?? false;
  }

  view(): WorkView {
    const last = this.watch?.last;
    return { queue: last ? { running: last.running.length, pending: last.pending.length } : null };
  }

  /** A new ComfyUI was started: watch it; queue again what the last restart left. */
  started(env: string): PromptWatch {
    this.watch?.stop();
    this.watch = new PromptWatch(this.queue, this.parts.world.clock, 2_000, this.parts.deps.observePrompt);
    const prompts = this.toRequeue;
    this.toRequeue = [];
    if (prompts.length > 0) void this.requeue(env, prompts, this.watch);
    return this.watch;
  }

  /** Asks ComfyUI to unload its models and free memory (`POST /free`, the `idle_free_s` watchdog). */
  free(): Promise<boolean> {
    return this.queue.free().catch(() => false);
  }

  /** ComfyUI is being stopped: no more looks at its queue. */
  stopped(): void {
    this.watch?.stop();
  }

  /**
   * A planned restart: the prompts pending in the old ComfyUI (taken by the drain, else taken now)
   * go to the new one (`requeue_pending`).
   */
  async keepPendingForRestart(env: string): Promise<void> {
    if (!this.parts.deps.settings.requeuePending) return this.dropPending(env, 'requeue_pending is off');
    this.toRequeue = this.drain.pending.length > 0 ? this.drain.pending : await this.takePendingNow(env);
    this.drain.pending = [];
  }

  /** A switch or a stop leaves the pending prompts behind: say how many. */
  async dropPending(env: string, reason: string): Promise<void> {
    const taken = this.drain.pending.length > 0 ? this.drain.pending : await this.takePendingNow(env);
    this.drain.pending = [];
    if (taken.length > 0) {
      this.parts.logger.warn(`${taken.length} pending prompt(s) left behind: ${reason}`);
      this.parts.record({ type: 'prompts_dropped', env, pending: taken.length, reason });
    }
  }

  /** ComfyUI ended unplanned (a crash, a hang, a kill): what it was doing, from the last look. */
  lost(env: string): void {
    const watch = this.watch;
    if (!watch) return;
    const last = watch.last;
    const promptIds = watch.busy ? (last?.running.map((r) => r.id) ?? []) : [];
    const pending = last?.pending.length ?? 0;
    if (promptIds.length === 0 && pending === 0 && !watch.busy) return;
    this.parts.logger.warn(
      `ComfyUI ended with work under way: ${promptIds.length ? `prompt ${promptIds.join(', ')} running` : 'a prompt running'}, ${pending} pending; lost`,
    );
    this.parts.record({ type: 'prompts_lost', env, prompt_ids: promptIds, pending });
  }

  /**
   * Only when its output or the last look says there is work: an idle (or hung) ComfyUI is not
   * asked. Bounded (a forced command stops ComfyUI at once even when a node holds its HTTP); when
   * the queue does not answer, the prompts pending at the last look go with the old process.
   */
  private async takePendingNow(env: string): Promise<PendingPrompt[]> {
    const watch = this.watch;
    // an ended ComfyUI's work was counted as lost (`lost`)
    if (!watch || watch.isStopped || !(watch.busy || (watch.last?.pending.length ?? 0) > 0)) return [];
    const taken = await watch.takePending(TAKE_NOW_LOOK_MS).catch(() => null);
    const unknown = watch.last?.pending.length ?? 0;
    if (taken === null && unknown > 0) {
      this.parts.logger.warn(
        `ComfyUI's queue did not answer: its ${unknown} pending prompt(s) are left behind`,
      );
      this.parts.record({
        type: 'prompts_dropped',
        env,
        pending: unknown,
        reason: "ComfyUI's queue did not answer",
      });
    }
    return taken ?? [];
  }

  private async requeue(env: string, prompts: PendingPrompt[], watch: PromptWatch): Promise<void> {
    const { clock } = this.parts.world;
    const deadline = clock.now() + this.parts.deps.settings.healthTimeoutMs;
    while ((await watch.look()) === null) {
      if (clock.now() > deadline || watch !== this.watch) {
        this.parts.record({ type: 'requeue', env, count: 0, failed: prompts.length });
        return;
      }
      await clock.sleep(250);
    }
    const result = await this.queue.requeue(prompts);
    const errors = result.failed.map((f) => f.error);
    this.parts.logger.info(
      `queued ${result.posted} pending prompt(s) again on the new ComfyUI (${result.failed.length} failed)`,
    );
    this.parts.record({
      type: 'requeue',
      env,
      count: result.posted,
      failed: result.failed.length,
      ...(errors.length ? { errors } : {}),
    });
  }
}
