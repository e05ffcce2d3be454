import { join } from 'node:path';
import { environmentExists, validateEnvironmentName } from '@comfyvisor/detection';
import type { Clock } from '@comfyvisor/health';
import { comfyuiAddress } from '@comfyvisor/health';
import {
  loadConfig,
  metadataDir,
  removeControlPort,
  removePidFile,
  writeControlPort,
} from '@comfyvisor/ipc-files';
import type { SpawnComfyui } from './comfyui-process.ts';
import { type ControlServer, createControlApp, startControlServer } from './control-server.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { createConsoleLogger, type Logger } from './logger.ts';
import { claimPidFile } from './pid-claim.ts';
import { type Settings, settingsFrom } from './settings.ts';
import { Supervisor } from './supervisor.ts';
import { createSync, type SyncEnvironment } from './sync.ts';

export interface SupervisorOptions {
  workspace: string;
  environment: string;
  /** ComfyUI's own arguments (everything after `--args`). */
  args: string[];
  /** @default `[comfyvisor]` lines on stderr at the config's log level */
  logger?: Logger | undefined;
  /** Overrides of what the config file says. */
  settings?: Partial<Settings> | undefined;
  /** Install SIGTERM/SIGINT handlers. @default true */
  handleSignals?: boolean | undefined;
  /** Called once the supervisor holds the workspace (pid file and control port written). */
  onReady?: ((info: { pid: number; controlPort: number | null }) => void) | undefined;
  spawn?: SpawnComfyui | undefined;
  sync?: SyncEnvironment | undefined;
  clock?: Clock | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Pass ComfyUI's output through to ours. @default true */
  passThrough?: boolean | undefined;
  /** Refuse to start (ControlPortInUseError) when no control port can be bound, instead of running without the API. @default false */
  requireControlServer?: boolean | undefined;
}

/** Where ComfyUI's output is kept for `comfyvisor logs`. */
export function comfyuiLogPath(workspace: string): string {
  return join(metadataDir(workspace), 'comfyui.log');
}

/** The whole life of `comfyvisor run`: resolves with the exit code the process should end with. */
export async function runSupervisor(options: SupervisorOptions): Promise<{ exitCode: number }> {
  const dir = metadataDir(options.workspace);
  const name = validateEnvironmentName(options.environment);
  if (!name.ok) throw new EnvironmentUnusableError(`invalid environment name: ${name.reason}`);
  if (!environmentExists(options.workspace, options.environment)) {
    throw new EnvironmentUnusableError(
      `environment "${options.environment}" does not exist in ${options.workspace}`,
    );
  }
  const bootLogger = options.logger ?? createConsoleLogger('info');
  const config = await loadConfig(dir, { logger: bootLogger });
  const settings: Settings = { ...settingsFrom(config), ...options.settings };
  const logger = options.logger ?? createConsoleLogger(settings.logLevel);

  await claimPidFile(dir);
  // Marks this process as a supervisor for pid checks (`isSupervisorProcess` reads the command line).
  process.title = `comfyvisor supervisor ${options.workspace}`;
  let control: ControlServer | null = null;
  const signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  try {
    const supervisor = new Supervisor({
      workspace: options.workspace,
      environment: options.environment,
      args: options.args,
      settings,
      logger,
      sync:
        options.sync ??
        createSync(
          options.workspace,
          { enabled: settings.syncEnabled, command: settings.syncCommand, timeoutMs: settings.syncTimeoutMs },
          options.env,
        ),
      spawn: options.spawn,
      clock: options.clock,
      env: options.env,
      passThrough: options.passThrough,
      logFile: comfyuiLogPath(options.workspace),
    });
    if (settings.controlServer) {
      const comfyuiPort = comfyuiAddress(options.args, { port: settings.defaultPort }).port;
      try {
        control = await startControlServer(
          createControlApp(supervisor, { workspace: options.workspace, comfyuiPort }),
          settings.controlPortRange,
        );
        await writeControlPort(dir, control.port);
        logger.info(`control API on http://127.0.0.1:${control.port}`);
      } catch (error) {
        if (options.requireControlServer) throw error;
        // As the Python supervisor: without a port the UI loses emergency controls, ComfyUI still runs.
        logger.warn(`${(error as Error).message}; the control API is off`);
      }
    }
    if (options.handleSignals ?? true) {
      let signals = 0;
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        const handler = () => {
          signals++;
          if (signals > 1 && signal === 'SIGINT') {
            logger.warn('second interrupt: killing ComfyUI now');
            supervisor.forceKill();
          }
          supervisor.signal(signal);
        };
        process.on(signal, handler);
        signalHandlers.push([signal, handler]);
      }
    }
    options.onReady?.({ pid: process.pid, controlPort: control?.port ?? null });
    const exitCode = await supervisor.run();
    return { exitCode };
  } finally {
    for (const [signal, handler] of signalHandlers) process.off(signal, handler);
    await control?.close();
    await removeControlPort(dir);
    await removePidFile(dir, process.pid);
  }
}
