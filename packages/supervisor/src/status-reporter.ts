import { FINAL_SWITCH_STATES, SWITCH_PROGRESS, switchStatusToWire } from '@comfyvisor/ipc-files';
import type { Logger } from './logger.ts';
import type { StatusWrite, SwitchChannel } from './switch-channel.ts';

/**
 * Writes `.switch_status.json` for the panel, and remembers the last status it meant to write. A
 * write that fails (a full disk, a read-only `.metadata/`) never stops the supervisor: it is logged
 * once per kind of failure, and again when writing works again. Meanwhile {@link current} serves
 * the status meant, not the stale one on disk, and a switch that ends removes a busy status it
 * could not replace (removing works on a full disk), so no one is left polling a switch that is over.
 */
export class StatusReporter {
  private failing: string | null = null;
  private meant: Record<string, unknown> | null = null;

  constructor(
    private readonly store: Pick<SwitchChannel, 'writeStatus' | 'readStatusWire' | 'removeStatus'>,
    private readonly logger: Logger,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** The last status the supervisor meant (wire names), written or not; null before the first. */
  get last(): Record<string, unknown> | null {
    return this.meant;
  }

  /** What `GET /status` serves: the disk while writes work, else the status meant. */
  current(): Promise<Record<string, unknown> | null> {
    return this.failing === null ? this.store.readStatusWire() : Promise.resolve(this.meant);
  }

  async write(status: StatusWrite): Promise<void> {
    this.meant = switchStatusToWire({
      ...status,
      progress: SWITCH_PROGRESS[status.state],
      updatedAt: this.wallNow(),
    });
    try {
      await this.store.writeStatus(status);
      if (this.failing !== null) {
        this.logger.info('the switch status can be written again');
        this.failing = null;
      }
    } catch (error) {
      const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      const kind = err.cause?.code ?? err.code ?? 'error';
      if (this.failing !== kind) {
        this.failing = kind;
        this.logger.warn(
          `could not write the switch status (${String(err.message).slice(0, 200)}); going on without it`,
        );
      }
      if (FINAL_SWITCH_STATES.has(status.state)) await this.removeStaleBusy(status.state);
    }
  }

  /** The switch is over but a busy status is still on disk: remove it rather than let it be polled. */
  private async removeStaleBusy(state: string): Promise<void> {
    const disk = await this.store.readStatusWire();
    if (disk === null || FINAL_SWITCH_STATES.has(String(disk.state))) return;
    await this.store.removeStatus();
    this.logger.warn(`removed the stale switch status "${String(disk.state)}" (the switch ended ${state})`);
  }
}
