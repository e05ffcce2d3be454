import { comfyuiAddress } from '@comfyvisor/health';
import type { ComfyuiProcess, SpawnComfyui } from './comfyui-process.ts';
import type { InstanceStore } from './instance-store.ts';
import { configFor, type LaunchTarget, planLaunch } from './launch-plan.ts';
import type { Logger } from './logger.ts';
import type { Reaper } from './reaper.ts';
import type { Settings } from './settings.ts';
import type { RecordEvent } from './supervisor-event.ts';
import { TorchVersionCache, type TorchVersionOf } from './torch-version.ts';
import type { World } from './world.ts';

export interface LauncherDeps {
  args: string[];
  settings: Settings;
  logger: Logger;
  store: InstanceStore;
  spawn: SpawnComfyui;
  world: World;
  record: RecordEvent;
  torchVersion?: TorchVersionOf | undefined;
  reaper?: Reaper | null | undefined;
  output?: { write(chunk: Buffer): void } | undefined;
  refreshSettings?: (() => Promise<Partial<Settings> | null>) | undefined;
  passThrough?: boolean | undefined;
}

/** Starts ComfyUI from an environment: the launch plan, the spawn, and what is told about it. */
export class Launcher {
  private readonly torch: TorchVersionCache;
  /** When the last exit was seen (monotonic), to log the supervisor's own share of a restart. */
  exitSeenAt: number | null = null;

  constructor(private readonly deps: LauncherDeps) {
    this.torch = new TorchVersionCache(deps.torchVersion);
  }

  async start(
    target: LaunchTarget,
    skipExtraArgs: boolean,
  ): Promise<{ proc: ComfyuiProcess; usedExtraArgs: boolean; startedAt: number }> {
    const { settings, logger, world, store } = this.deps;
    // the config as it is now: what was saved since applies to this start (shared settings object)
    const fresh = await this.deps.refreshSettings?.().catch(() => null);
    if (fresh) Object.assign(settings, fresh);
    const configured = configFor(settings, target.name);
    const plan = planLaunch({
      target,
      torchVersion: await this.torch.get(target),
      platform: world.platform,
      extraArgs: skipExtraArgs ? [] : configured.extraArgs,
      args: this.deps.args,
      baseEnv: world.env,
      extraEnv: configured.extraEnv,
      session: store.session,
    });
    const proc = this.deps.spawn({
      command: plan.command,
      args: plan.args,
      cwd: plan.cwd,
      env: plan.env,
      output: this.deps.output,
      passThrough: this.deps.passThrough,
      parentDeathSignal: settings.parentDeathSignal,
      reaper: this.deps.reaper ?? null,
    });
    const startedAt = world.clock.now();
    if (this.exitSeenAt !== null) {
      logger.debug(`restart overhead: ${(startedAt - this.exitSeenAt).toFixed(2)} ms from exit to spawn`);
      this.exitSeenAt = null;
    }
    logger.info(`started ComfyUI (${target.name}) pid ${proc.pid}: ${plan.args.slice(1).join(' ')}`);
    this.deps.record({ type: 'comfyui_start', env: target.name, pid: proc.pid });
    void store
      .writeStartupState({
        pythonExecutable: plan.command,
        workingDirectory: plan.cwd,
        argv: plan.args,
        environmentName: target.name,
        workspaceRoot: store.workspace,
        port: comfyuiAddress(this.deps.args, { port: settings.defaultPort }).port,
      })
      .catch(() => {});
    return { proc, usedExtraArgs: plan.usedExtraArgs, startedAt };
  }
}
