import { join } from 'node:path';
import { findOrphans, SUPERVISOR_TITLE } from '@comfyvisor/detection';
import { type Clock, type ComfyuiAddress, comfyuiAddress } from '@comfyvisor/health';
import {
  createRotatingLog,
  FILE_NAMES,
  loadConfig,
  metadataDir,
  type RotatingLog,
} from '@comfyvisor/ipc-files';
import { findPortListeners } from '@comfyvisor/processes';
import { attachWorkspace, type WorkspaceAdapter } from './attach-workspace.ts';
import { type ComfyuiProcess, type SpawnComfyui, spawnComfyui } from './comfyui-process.ts';
import { configRefresher } from './config-refresh.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { combineRecorders, createEventLog } from './event-log.ts';
import { createConsoleLogger, type Logger } from './logger.ts';
import { createMetadataStore } from './metadata-store.ts';
import { createMetrics } from './metrics.ts';
import { guardPidFile } from './pid-guard.ts';
import { guardPort, type PortHolder } from './port-guard.ts';
import { handleSignals } from './process-wide.ts';
import { startReaper } from './reaper.ts';
import { type Settings, settingsFrom } from './settings.ts';
import { stopOrphans } from './stop-orphans.ts';
import { Supervisor } from './supervisor.ts';
import type { RecordEvent } from './supervisor-event.ts';
import { createSync, type SyncEnvironment } from './sync.ts';
import { hookedRecord } from './watchdogs/hooked-record.ts';

export interface SupervisorOptions {
  workspace: string;
  environment: string;
  /** ComfyUI's own arguments (everything after `--args`). */
  args: string[];
  /** @default `[comfyvisor]` lines on stderr at the config's log level */
  logger?: Logger | undefined;
  /** Overrides of what the config file says. */
  settings?: Partial<Settings> | undefined;
  /** Install SIGTERM/SIGINT/SIGHUP handlers. @default true */
  handleSignals?: boolean | undefined;
  /** Called once the supervisor holds the workspace (pid file and control port written). */
  onReady?: ((info: { pid: number; controlPort: number | null }) => void) | undefined;
  /** Reported by `/health` (the CLI passes its own). @default 'unknown' */
  version?: string | undefined;
  spawn?: SpawnComfyui | undefined;
  sync?: SyncEnvironment | undefined;
  clock?: Clock | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  record?: RecordEvent | undefined;
  /** Pass ComfyUI's output through to ours. @default true */
  passThrough?: boolean | undefined;
  /**
   * Write our own log lines to this file (rotated by `log_max_mb`/`log_keep`) instead of stderr,
   * e.g. `.metadata/orchestrator.log` for a detached supervisor.
   */
  logFile?: string | undefined;
  /** Refuse to start (ControlPortInUseError) when no control port can be bound, instead of running without the API. @default false */
  requireControlServer?: boolean | undefined;
}

/** Where ComfyUI's output is kept for `comfyvisor logs`. */
export function comfyuiLogPath(workspace: string): string {
  return join(metadataDir(workspace), FILE_NAMES.comfyuiLog);
}

/** Who listens on ComfyUI's port; a ComfyUI an earlier supervisor of this workspace left is an orphan. */
async function portHolders(workspace: string, port: number): Promise<PortHolder[]> {
  const [listeners, orphans] = await Promise.all([findPortListeners(port), findOrphans(workspace)]);
  return listeners.map((listener) => {
    const orphan = orphans.find((o) => o.pid === listener.pid || o.descendants.includes(listener.pid));
    return orphan
      ? { pid: orphan.pid, commandLine: orphan.commandLine, orphan: true }
      : { pid: listener.pid, commandLine: listener.commandLine, orphan: false };
  });
}

interface RunLogging {
  settings: Settings;
  logger: Logger;
  /** Our own log file (a detached supervisor's orchestrator.log), or null for stderr. */
  ownLog: RotatingLog | null;
  /** comfyui.log, and with our own log file that too (a Python supervisor's inherited stdout). */
  comfyuiOutput: { write(chunk: Buffer): void };
  close(): Promise<void>;
}

/** The config's settings (with the caller's overrides), our logger and ComfyUI's log files. */
async function openLogging(options: SupervisorOptions, dir: string): Promise<RunLogging> {
  const bootLogger = options.logger ?? createConsoleLogger('info');
  const config = await loadConfig(dir, { logger: bootLogger });
  const settings: Settings = { ...settingsFrom(config), ...options.settings };
  const rotation = { maxBytes: settings.logMaxBytes, keep: settings.logKeep };
  const ownLog = options.logFile ? createRotatingLog(options.logFile, rotation) : null;
  const logger =
    options.logger ??
    createConsoleLogger(settings.logLevel, ownLog ? (line) => ownLog.write(line) : undefined, {
      format: settings.logFormat,
    });
  const comfyuiLog = createRotatingLog(comfyuiLogPath(options.workspace), rotation);
  const comfyuiOutput = ownLog
    ? {
        write: (chunk: Buffer) => {
          comfyuiLog.write(chunk);
          ownLog.write(chunk);
        },
      }
    : comfyuiLog;
  return {
    settings,
    logger,
    ownLog,
    comfyuiOutput,
    async close() {
      await comfyuiLog.close();
      await ownLog?.close();
    },
  };
}

/**
 * The port check before the first start: up front when a busy port refuses the start, beside the
 * first sync when it waits for the port to be released (a lazily spawned supervisor's case).
 */
function portCheck(options: SupervisorOptions, settings: Settings, logger: Logger, address: ComfyuiAddress) {
  const check = (signal?: AbortSignal) =>
    guardPort({
      host: address.host,
      port: address.port,
      policy: settings.portBusy,
      waitMs: settings.portWaitMs,
      logger,
      clock: options.clock,
      signal,
      findHolders: (port) => portHolders(options.workspace, port),
      stopOrphan: async (holder) => {
        const orphans = (await findOrphans(options.workspace)).filter((o) => o.pid === holder.pid);
        await stopOrphans(orphans, settings.stopGraceMs);
      },
    });
  const upFront = settings.portBusy === 'refuse' ? check() : Promise.resolve();
  upFront.catch(() => {}); // awaited by the caller, after the control server is bound beside it
  return { upFront, beforeFirstStart: settings.portBusy === 'wait' ? check : undefined };
}

/**
 * The whole life of `comfyvisor run`, the composition root: the process-wide parts (pid claim,
 * lifeline, signals), one core supervisor, and the workspace adapter (`.metadata/` protocol).
 * Resolves with the exit code the process should end with.
 */
export async function runSupervisor(options: SupervisorOptions): Promise<{ exitCode: number }> {
  const dir = metadataDir(options.workspace);
  const logging = await openLogging(options, dir);
  const { settings, logger } = logging;
  const platform = process.platform;
  const store = createMetadataStore(options.workspace, {
    logger,
    wallNow: Date.now,
    pid: process.pid,
    platform,
  });
  const found = store.environment(options.environment);
  if (!found.ok) throw new EnvironmentUnusableError(found.reason);

  const pidFile = await guardPidFile(dir, logger);
  process.title = `${SUPERVISOR_TITLE}${options.workspace}`;
  const reaper = startReaper(store.session, platform);
  const eventLog = createEventLog(dir, { maxBytes: settings.eventsMaxBytes, logger });
  const metrics = createMetrics();
  const env = options.env ?? process.env;
  const hooked = hookedRecord(combineRecorders(eventLog, metrics.record, options.record), settings, {
    logger,
    env,
  });
  let adapter: WorkspaceAdapter | null = null;
  let unhandle = () => {};
  try {
    const address = comfyuiAddress(options.args, { host: settings.defaultHost, port: settings.defaultPort });
    const port = portCheck(options, settings, logger, address);
    const supervisor = new Supervisor({
      environment: options.environment,
      args: options.args,
      settings,
      logger,
      store,
      switches: store,
      sync: options.sync ?? createWorkspaceSync(options.workspace, settings, env, store.session),
      spawn: options.spawn ?? spawnComfyui,
      world: { clock: options.clock, env, platform },
      reaper,
      record: hooked.record,
      observePrompt: metrics.observePrompt,
      refreshSettings: configRefresher(dir, options.settings, logger),
      passThrough: options.passThrough ?? !logging.ownLog,
      output: logging.comfyuiOutput,
      beforeFirstStart: port.beforeFirstStart,
    });
    adapter = await attachWorkspace(supervisor, {
      store,
      dir,
      settings,
      logger,
      metrics,
      comfyuiPort: address.port,
      version: options.version,
      requireControlServer: options.requireControlServer,
      portChecked: port.upFront,
    });
    await port.upFront;
    if (options.handleSignals ?? true) unhandle = handleSignals(() => [supervisor], logger);
    options.onReady?.({ pid: process.pid, controlPort: adapter.controlPort });
    return { exitCode: await supervisor.run() };
  } finally {
    unhandle();
    reaper?.close();
    await adapter?.close();
    await hooked.finish();
    await eventLog.flush();
    await pidFile.release();
    await logging.close();
  }
}

/** `cg repair` before each start, marked with our session so the lifeline ends one under way if we are killed. */
function createWorkspaceSync(workspace: string, settings: Settings, env: NodeJS.ProcessEnv, session: string) {
  return createSync(
    workspace,
    { enabled: settings.syncEnabled, command: settings.syncCommand, timeoutMs: settings.syncTimeoutMs },
    { ...env, COMFYVISOR_SESSION: session },
  );
}

export type { ComfyuiProcess };
