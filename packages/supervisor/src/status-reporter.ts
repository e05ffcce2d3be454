import type { Logger } from './logger.ts';
import type { StatusWrite, SwitchChannel } from './switch-channel.ts';

/**
 * Writes `.switch_status.json` for the panel. A write that fails (a read-only `.metadata/`, a
 * directory in its place that cannot be moved) never stops the supervisor: it is logged once per
 * kind of failure, and logged again when writing works again.
 */
export class StatusReporter {
  private failing: string | null = null;
  constructor(
    private readonly store: Pick<SwitchChannel, 'writeStatus'>,
    private readonly logger: Logger,
  ) {}

  async write(status: StatusWrite): Promise<void> {
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
    }
  }
}
