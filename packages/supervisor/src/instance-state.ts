import type { ComfyuiExit, ComfyuiProcess } from './comfyui-process.ts';
import type { ComfyuiWork } from './comfyui-work.ts';
import { stopForUrgent } from './command-handling.ts';
import type { CoreParts } from './core-parts.ts';
import type { DrainOutcome } from './drain.ts';
import { Mailbox } from './mailbox.ts';
import type { SupervisorCommand } from './supervisor-command.ts';

/** What reaches the loop: ComfyUI's exit, a command, a signal, a hang, the end of a drain. */
export type Event =
  | { kind: 'exit'; proc: ComfyuiProcess; exit: ComfyuiExit }
  | { kind: 'command'; command: SupervisorCommand; receivedAt: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'hung'; proc: ComfyuiProcess; failures: number }
  | { kind: 'drained'; proc: ComfyuiProcess; outcome: DrainOutcome };

/** What a step of the loop leads to: stop with an exit code, or go round again (null). */
export type Next = { stop: number } | null;

/** The changing state of one supervisor, shared by the steps of its loop. */
export class InstanceState {
  proc: ComfyuiProcess | null = null;
  ready = false;
  /** When the current ComfyUI was spawned (monotonic); -Infinity before the first. */
  lastStartAt = Number.NEGATIVE_INFINITY;
  usedExtraArgs = false;
  phase = new AbortController();
  readonly mailbox = new Mailbox<Event>();

  constructor(
    public current: string,
    private readonly parts: CoreParts,
    readonly work: ComfyuiWork,
  ) {}

  /** Stops the running ComfyUI (SIGTERM, SIGKILL after the grace); its pending events are stale then. */
  async stopProc(): Promise<ComfyuiExit | null> {
    const proc = this.proc;
    if (!proc) return null;
    this.work.stopped();
    const exit = await proc.stop(this.parts.deps.settings.stopGraceMs);
    while (this.mailbox.takeWhere((e) => 'proc' in e && e.proc === proc));
    return exit;
  }

  markReady(proc: ComfyuiProcess): void {
    if (this.ready || proc !== this.proc) return;
    this.ready = true;
    const afterMs = Math.round(this.parts.world.clock.now() - this.lastStartAt);
    this.parts.logger.debug(
      `ComfyUI pid ${proc.pid} answers; watching for hangs (first answer after ${afterMs} ms)`,
    );
    this.parts.record({ type: 'comfyui_ready', env: this.current, pid: proc.pid, afterMs });
  }

  /** A signal, shutdown or abort_switch waiting: acted on before anything else. */
  async takeUrgent(): Promise<Next> {
    const event = this.mailbox.takeWhere(
      (e) =>
        e.kind === 'signal' ||
        (e.kind === 'command' && (e.command.command === 'abort_switch' || isUrgentShutdown(e.command, this))),
    );
    return event ? this.stopFor(event) : null;
  }

  /** Stops for a signal, a shutdown or an abort_switch: ComfyUI stopped, a final status, exit 0. */
  async stopFor(event: Event): Promise<Next> {
    if (this.work.drain.active) this.work.drain.end('forced');
    await this.stopProc();
    if (event.kind === 'signal') return { stop: await stopForUrgent(this.parts, event, this.current) };
    const abort = event.kind === 'command' && event.command.command === 'abort_switch';
    const why = { command: abort ? ('abort_switch' as const) : ('shutdown' as const) };
    return { stop: await stopForUrgent(this.parts, why, this.current) };
  }
}

/** A shutdown that does not wait for a running prompt: forced, drains off, or nothing running. */
export function isUrgentShutdown(command: SupervisorCommand, state: InstanceState): boolean {
  if (command.command !== 'shutdown') return false;
  return command.force === true || !state.work.drain.applies(command, state.work.watch);
}
