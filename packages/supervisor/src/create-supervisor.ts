import type { Clock } from '@comfyvisor/health';
import { DEFAULT_CONFIG } from '@comfyvisor/ipc-files';
import { type SpawnComfyui, spawnComfyui } from './comfyui-process.ts';
import { createInstanceStore } from './instance-store.ts';
import { createConsoleLogger, type Logger } from './logger.ts';
import type { Reaper } from './reaper.ts';
import { type Settings, settingsFrom } from './settings.ts';
import { Supervisor } from './supervisor.ts';
import type { RecordEvent } from './supervisor-event.ts';
import { createSync, type SyncEnvironment } from './sync.ts';
import { type HookedRecord, hookedRecord } from './watchdogs/hooked-record.ts';

export interface InstanceOptions {
  /** The ComfyGit workspace whose environment runs. */
  workspace: string;
  environment: string;
  /** ComfyUI's own arguments (its `--port` among them). */
  args: string[];
  /**
   * A path unique to this instance: ComfyUI-Manager writes `<session>.reboot` to ask for a restart,
   * and the lifeline recognises the instance's processes by it.
   */
  session: string;
  /** Over the config's defaults. */
  settings?: Partial<Settings> | undefined;
  logger?: Logger | undefined;
  record?: RecordEvent | undefined;
  /** Where ComfyUI's output goes (the instance's log). */
  output?: { write(chunk: Buffer): void } | undefined;
  /** The environment ComfyUI inherits (the instance's variables included). @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** The process-wide lifeline, shared by every instance. */
  reaper?: Reaper | null | undefined;
  /** @default no sync (`syncEnabled` false unless given) */
  sync?: SyncEnvironment | undefined;
  spawn?: SpawnComfyui | undefined;
  clock?: Clock | undefined;
}

/**
 * One supervised ComfyUI without the `.metadata/` wire: the core as a worker (or a test) runs
 * several of them in one process. Switches do not arrive (exit 43 is refused and ComfyUI started
 * again); stop it with `send({ command: 'shutdown' })`, and `run()` resolves with its exit code.
 */
export function createSupervisor(options: InstanceOptions): Supervisor {
  const settings: Settings = { ...settingsFrom(DEFAULT_CONFIG), syncEnabled: false, ...options.settings };
  const logger = options.logger ?? createConsoleLogger(settings.logLevel);
  const env = options.env ?? process.env;
  const hooked = hookedRecord(options.record, settings, { logger, env });
  return new HookedSupervisor(hooked, {
    environment: options.environment,
    args: options.args,
    settings,
    logger,
    store: createInstanceStore(options.workspace, { session: options.session, platform: process.platform }),
    sync:
      options.sync ??
      createSync(
        options.workspace,
        { enabled: settings.syncEnabled, command: settings.syncCommand, timeoutMs: settings.syncTimeoutMs },
        { ...env, COMFYVISOR_SESSION: options.session },
      ),
    spawn: options.spawn ?? spawnComfyui,
    world: { clock: options.clock, env },
    reaper: options.reaper ?? null,
    record: hooked.record,
    output: options.output,
    passThrough: false,
  });
}

/** A core whose config `hooks` end with it (a `give_up` hook completes; others are killed). */
class HookedSupervisor extends Supervisor {
  constructor(
    private readonly hooked: HookedRecord,
    deps: ConstructorParameters<typeof Supervisor>[0],
  ) {
    super(deps);
  }

  override async run(): Promise<number> {
    try {
      return await super.run();
    } finally {
      await this.hooked.finish();
    }
  }
}
