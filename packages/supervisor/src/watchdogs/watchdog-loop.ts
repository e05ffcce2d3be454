import { sleepToBeat } from '@comfyvisor/health';
import type { ComfyuiProcess } from '../comfyui-process.ts';
import type { ComfyuiWork } from '../comfyui-work.ts';
import type { CoreParts } from '../core-parts.ts';
import type { SupervisorCommand, WatchdogDetail, WatchdogReason } from '../supervisor-command.ts';
import { createDailySchedule, type DailySchedule } from './daily-schedule.ts';
import { createFatalOutputMatcher, type FatalOutputMatcher } from './fatal-output.ts';
import { createIdleFree, type IdleFree } from './idle-free.ts';
import type { ResourceVerdict } from './resource-watch.ts';
import { createTreeFigures, type TreeFigures } from './tree-figures.ts';

/** ComfyUI's memory as `/health`, `status` and `/metrics` show it; null when unknown or off. */
export interface MemoryView {
  rssBytes: number | null;
  gpuBytes: number | null;
  rssLimitBytes: number | null;
  vramLimitBytes: number | null;
}

/** Sampled at least this often, whatever `watchdogIntervalMs` says (the decision). */
const MAX_INTERVAL_MS = 10_000;

/**
 * The watchdogs of one supervisor (issue 18), wired to its core: ComfyUI's output is fed to the
 * fatal-line matcher (a match restarts at once, as a crash); a loop on the core's clock, running
 * only while ComfyUI runs and some watchdog needs it, samples the tree's memory and VRAM (over the
 * limit: a restart after the drain), checks `restart_daily_at` and asks for `POST /free` once per
 * idle spell. Restarts are commands sent to the core's mailbox, so they take the core's one path.
 */
export class Watchdogs {
  private readonly schedule: DailySchedule | null;
  private readonly idle: IdleFree | null;
  private readonly figures: TreeFigures;
  private readonly intervalMs: number;
  private fatal: FatalOutputMatcher | null = null;
  private proc: ComfyuiProcess | null = null;
  private loop: AbortController | null = null;
  /** The restart asked of the current ComfyUI (one per process). */
  private asked: WatchdogReason | null = null;

  constructor(
    private readonly parts: CoreParts,
    private readonly work: ComfyuiWork,
    private readonly send: (command: SupervisorCommand) => void,
  ) {
    const { settings } = parts.deps;
    const { world } = parts;
    const now = () => world.clock.now();
    this.intervalMs = Math.max(1, Math.min(settings.watchdogIntervalMs, MAX_INTERVAL_MS));
    this.schedule =
      settings.restartDailyAt.length > 0
        ? createDailySchedule(settings.restartDailyAt, { now: world.wallNow })
        : null;
    this.idle = settings.idleFreeMs > 0 ? createIdleFree({ idleMs: settings.idleFreeMs, now }) : null;
    this.figures = createTreeFigures({
      rssLimitBytes: settings.restartRssBytes,
      vramLimitBytes: settings.restartVramBytes,
      now,
      intervalMs: this.intervalMs,
      platform: world.platform,
      env: world.env,
      logger: parts.logger,
    });
  }

  /** Whether the loop has anything to do (else nothing ticks: an idle supervisor costs nothing). */
  get ticking(): boolean {
    const s = this.parts.deps.settings;
    return s.restartRssBytes > 0 || s.restartVramBytes > 0 || this.schedule !== null || this.idle !== null;
  }

  /** A new ComfyUI runs: fresh matcher and figures; the loop runs until it exits. */
  started(proc: ComfyuiProcess): void {
    this.stopLoop();
    this.proc = proc;
    this.asked = null;
    this.fatal = createFatalOutputMatcher(this.parts.deps.settings.fatalOutputPatterns);
    this.figures.follow(proc.pid);
    this.idle?.reset();
    void proc.exited.then(() => {
      if (this.proc === proc) this.stopped();
    });
    if (this.ticking) void this.runLoop(proc);
  }

  /** ComfyUI is gone: no more ticks. */
  stopped(): void {
    this.stopLoop();
    this.proc = null;
    this.figures.follow(null);
  }

  /** The supervisor ends: no loop, and nothing of ours left running. */
  close(): void {
    this.stopped();
    this.figures.close();
  }

  /** ComfyUI's output, chunk by chunk. */
  feed(chunk: Buffer): void {
    if (this.idle && chunk.includes('got prompt')) this.idle.observe({ running: 1, pending: 0 });
    const line = this.fatal?.push(chunk);
    if (!line || this.asked === 'fatal_output' || !this.proc?.running) return;
    this.asked = 'fatal_output';
    this.parts.logger.warn(`fatal line in ComfyUI's output: ${line.slice(0, 300)}`);
    this.send({
      command: 'restart',
      force: true,
      reason: 'fatal_output',
      detail: { line: line.slice(0, 1000) },
    });
  }

  /**
   * The last figures: sampled by the loop when `restart_rss_mb` or `restart_vram_mb` is set (either
   * keeps both), null otherwise. Never sampled on a read: `/health` is polled often, and finding
   * ComfyUI's tree lists every process, which must not slow what the supervisor is doing then.
   */
  /** The figures, or null while neither memory watchdog is on (nothing is sampled then). */
  view(): MemoryView | null {
    const s = this.parts.deps.settings;
    if (s.restartRssBytes <= 0 && s.restartVramBytes <= 0) return null;
    return {
      rssBytes: this.figures.rss.lastBytes,
      gpuBytes: this.figures.vram.lastBytes,
      rssLimitBytes: s.restartRssBytes > 0 ? s.restartRssBytes : null,
      vramLimitBytes: s.restartVramBytes > 0 ? s.restartVramBytes : null,
    };
  }

  private stopLoop(): void {
    this.loop?.abort();
    this.loop = null;
  }

  private async runLoop(proc: ComfyuiProcess): Promise<void> {
    const loop = new AbortController();
    this.loop = loop;
    const { clock } = this.parts.world;
    try {
      // On the beat of the interval, which liveness shares (one wake-up for both); the first look
      // at least half an interval after the start, not in the way of the start's health checks.
      await sleepToBeat(clock, this.intervalMs, loop.signal, this.intervalMs / 2);
      while (!loop.signal.aborted) {
        await this.tick(proc);
        await sleepToBeat(clock, this.intervalMs, loop.signal, this.intervalMs / 2);
      }
    } catch (error) {
      this.parts.logger.warn(
        `watchdogs stopped: ${String((error as Error)?.message ?? error).slice(0, 200)}`,
      );
    }
  }

  private async tick(proc: ComfyuiProcess): Promise<void> {
    const s = this.parts.deps.settings;
    if (s.restartRssBytes > 0 || s.restartVramBytes > 0) {
      // nvidia-smi answers later (and may hang until its timeout): the loop does not wait for it
      void this.figures.vram.tick().then((vram) => {
        if (this.proc === proc && vram.kind === 'over') this.overLimit('vram', vram, 'restart_vram_mb');
      });
      const rss = await this.figures.rss.tick();
      if (this.proc !== proc) return;
      if (rss.kind === 'over') this.overLimit('memory', rss, 'restart_rss_mb');
    }
    const at = this.schedule?.check();
    if (at) {
      this.parts.logger.info(`restart_daily_at ${at}: restarting ComfyUI after the running prompt`);
      this.restart('schedule', { at });
    }
    this.idleFree();
  }

  private overLimit(reason: 'memory' | 'vram', verdict: ResourceVerdict & { kind: 'over' }, key: string) {
    if (this.asked) return;
    const mb = (n: number) => Math.round(n / 1_048_576);
    this.parts.logger.warn(
      `ComfyUI's ${reason === 'memory' ? 'resident memory' : 'GPU memory'} is ${mb(verdict.bytes)} MB, over ${key} ${mb(verdict.limitBytes)}: restarting it after the running prompt`,
    );
    this.restart(reason, { bytes: verdict.bytes, limitBytes: verdict.limitBytes });
  }

  private restart(reason: WatchdogReason, detail: WatchdogDetail): void {
    if (this.asked) return;
    this.asked = reason;
    this.send({ command: 'restart', reason, detail });
  }

  /** `idle_free_s`: `POST /free` once per idle spell, never while a prompt runs or waits. */
  private idleFree(): void {
    const { idle, work } = this;
    const watch = work.watch;
    if (!idle || !watch) return;
    const pending = watch.last?.pending.length ?? 0;
    idle.observe({ running: work.busy ? 1 : 0, pending });
    if (work.busy || pending > 0 || !idle.due()) return;
    const idleS = Math.round(this.parts.deps.settings.idleFreeMs / 1000);
    void work.free().then((ok) => {
      if (ok)
        this.parts.logger.info(`ComfyUI idle for ${idleS} s: asked it to unload models and free memory`);
      else this.parts.logger.warn('ComfyUI did not accept POST /free');
    });
  }
}
