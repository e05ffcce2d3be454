import type { Command, Watcher } from '@comfyvisor/ipc-files';
import type { Logger } from './logger.ts';
import type { MetadataStore } from './metadata-store.ts';
import type { SupervisorCommand } from './supervisor-command.ts';

/**
 * Takes commands from `.cmd` as they arrive (fs.watch, with a slow poll as a fallback) and hands
 * them on. A file still being written by a writer that does not rename is given a moment; an
 * unknown or unreadable one is logged in one bounded line and dropped.
 */
export class CommandIntake {
  private watcher: Watcher | null = null;
  private retry: NodeJS.Timeout | null = null;
  private taking = false;
  private again = false;

  constructor(
    private readonly store: MetadataStore,
    private readonly logger: Logger,
    private readonly deliver: (command: SupervisorCommand) => void,
  ) {}

  start(): void {
    this.watcher = this.store.watchCommands(() => void this.poll());
    void this.poll();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.retry) clearTimeout(this.retry);
  }

  private async poll(attempt = 0): Promise<void> {
    if (this.taking) {
      this.again = true;
      return;
    }
    this.taking = true;
    try {
      const taken = await this.store.takeCommand();
      if (taken.kind === 'none') return;
      if (taken.kind === 'pending') {
        if (attempt < 10 && this.watcher) {
          this.retry = setTimeout(() => void this.poll(attempt + 1), 20);
          this.retry.unref();
        }
        return;
      }
      if (taken.kind === 'command') {
        const command = toSupervisorCommand(taken.command);
        if (command) this.deliver(command);
        else this.logger.warn(`command ${taken.command.command} without target_env dropped`);
      }
      // 'unknown' and 'invalid' were logged (one bounded line) by ipc-files.
      this.again = true; // another may have arrived while this one was read
    } catch (error) {
      this.logger.warn(`could not read the command file: ${String((error as Error)?.message).slice(0, 200)}`);
    } finally {
      this.taking = false;
      if (this.again) {
        this.again = false;
        void this.poll();
      }
    }
  }
}

export function toSupervisorCommand(command: Command): SupervisorCommand | null {
  switch (command.command) {
    case 'restart':
    case 'shutdown':
      return { command: command.command, ...forced(command) };
    case 'abort_switch':
      return {
        command: 'abort_switch',
        ...(typeof command.extra.reason === 'string' ? { reason: command.extra.reason } : {}),
      };
    case 'switch':
      return command.targetEnv
        ? { command: 'switch', targetEnv: command.targetEnv, ...forced(command) }
        : null;
  }
}

/** `"force": true` in `.cmd` skips the drain (anything else drains). */
function forced(command: Command): { force?: true } {
  return command.extra.force === true ? { force: true } : {};
}
