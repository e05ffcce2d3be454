import type { HealthResult } from '@comfyvisor/health';
import { httpHealthCheck } from './comfyui-checks.ts';
import type { ComfyuiProcess, SpawnComfyui } from './comfyui-process.ts';
import type { ComfyuiQueue } from './comfyui-queue.ts';
import type { InstanceStore } from './instance-store.ts';
import { Launcher } from './launcher.ts';
import type { Logger } from './logger.ts';
import type { Reaper } from './reaper.ts';
import { Recovery } from './recovery.ts';
import { recoveryCommand } from './recovery-command.ts';
import type { Settings } from './settings.ts';
import { StatusReporter } from './status-reporter.ts';
import type { RecordEvent } from './supervisor-event.ts';
import { memorySwitchChannel, type SwitchChannel } from './switch-channel.ts';
import { SwitchFlow } from './switch-flow.ts';
import type { SyncEnvironment } from './sync.ts';
import type { TorchVersionOf } from './torch-version.ts';
import { type World, worldFrom } from './world.ts';

/** What one supervised ComfyUI is built from; `runSupervisor` and the worker fill it, tests with fakes. */
export interface SupervisorDeps {
  environment: string;
  /** ComfyUI's own arguments. */
  args: string[];
  settings: Settings;
  logger: Logger;
  /** Where its environments are (and what ComfyUI's side is told). */
  store: InstanceStore;
  /** How switches arrive and are reported. @default in memory: no switch requests */
  switches?: SwitchChannel | undefined;
  sync: SyncEnvironment;
  spawn: SpawnComfyui;
  world?: Partial<World> | undefined;
  /** @default an HTTP health check of ComfyUI's address */
  healthCheck?: ((proc: ComfyuiProcess, signal: AbortSignal) => Promise<HealthResult>) | undefined;
  /** @default an HTTP probe of ComfyUI's address bounded by `livenessTimeoutMs` */
  livenessProbe?: ((signal: AbortSignal) => Promise<boolean>) | undefined;
  torchVersion?: TorchVersionOf | undefined;
  /** Runs beside the first sync (the port check); may throw to refuse the start. */
  beforeFirstStart?: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** The process-wide lifeline (one per process, shared by every supervisor in it). */
  reaper?: Reaper | null | undefined;
  record?: RecordEvent | undefined;
  /** Where ComfyUI's output is kept (comfyui.log). */
  output?: { write(chunk: Buffer): void } | undefined;
  /** Pass ComfyUI's output through to ours. @default true */
  passThrough?: boolean | undefined;
  /**
   * The settings as the config says now, asked before each start (null: unchanged), so what the
   * panel saves applies at the next start of ComfyUI, as the reference re-reads its config.
   */
  refreshSettings?: (() => Promise<Partial<Settings> | null>) | undefined;
  /** Told each finished prompt's duration in seconds (the prompt-duration histogram). */
  observePrompt?: ((seconds: number) => void) | undefined;
  /** ComfyUI's queue API. @default HTTP to ComfyUI's address */
  queue?: ComfyuiQueue | undefined;
}

/** The collaborators of one supervisor, built once, handed to the steps of its loop. */
export interface CoreParts {
  deps: SupervisorDeps;
  world: World;
  logger: Logger;
  store: InstanceStore;
  switches: SwitchChannel;
  status: StatusReporter;
  flow: SwitchFlow;
  launcher: Launcher;
  recovery: Recovery;
  record: RecordEvent;
  healthCheck: (proc: ComfyuiProcess, signal: AbortSignal) => Promise<HealthResult>;
}

/** Builds the collaborators of one supervisor from its deps. */
export function buildParts(deps: SupervisorDeps): CoreParts {
  const { store, logger, settings, args } = deps;
  const world = worldFrom(deps.world);
  const record = deps.record ?? (() => {});
  const switches = deps.switches ?? memorySwitchChannel(world.wallNow);
  const status = new StatusReporter(switches, logger, world.wallNow);
  const recover = (env: string) => recoveryCommand(store.workspace, env, args);
  return {
    deps,
    world,
    logger,
    store,
    switches,
    status,
    record,
    flow: new SwitchFlow(store, switches, status, logger, record, () => world.clock.now(), recover),
    launcher: new Launcher({ ...deps, world, record }),
    recovery: new Recovery(settings, switches, status, logger, record, world.clock, recover),
    healthCheck: deps.healthCheck ?? httpHealthCheck(args, settings, world.clock),
  };
}
