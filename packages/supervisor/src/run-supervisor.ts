import { join } from 'node:path';
import { SUPERVISOR_TITLE } from '@comfyvisor/detection';
import { type Clock, comfyuiAddress } from '@comfyvisor/health';
import {
  createRotatingLog,
  FILE_NAMES,
  loadConfig,
  metadataDir,
  type RotatingLog,
} from '@comfyvisor/ipc-files';
import { attachWorkspace, type WorkspaceAdapter } from './attach-workspace.ts';
import { type ComfyuiProcess, type SpawnComfyui, spawnComfyui } from './comfyui-process.ts';
import { configRefresher } from './config-refresh.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { combineRecorders, createEventLog } from './event-log.ts';
import { createConsoleLogger, type Logger } from './logger.ts';
import { createMetadataStore, type MetadataStore } from './metadata-store.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { guardPidFile } from './pid-guard.ts';
import { handleSignals } from './process-wide.ts';
import { type Reaper, startReaper } from './reaper.ts';
import { portCheck } from './run-port-check.ts';
import { type Settings, settingsFrom } from './settings.ts';
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
    const core = { options, dir, logging, store, reaper, env, hooked, metrics };
    const supervisor = createCore(core, port.beforeFirstStart);
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

/** The one core supervisor of `comfyvisor run`, over the workspace's store and switch files. */
function createCore(
  p: {
    options: SupervisorOptions;
    dir: string;
    logging: RunLogging;
    store: MetadataStore;
    reaper: Reaper | null;
    env: NodeJS.ProcessEnv;
    hooked: { record: RecordEvent };
    metrics: Metrics;
  },
  beforeFirstStart: ((signal: AbortSignal) => Promise<void>) | undefined,
): Supervisor {
  const { options, logging, store } = p;
  const { settings, logger } = logging;
  return new Supervisor({
    environment: options.environment,
    args: options.args,
    settings,
    logger,
    store,
    switches: store,
    sync: options.sync ?? createWorkspaceSync(options.workspace, settings, p.env, store.session),
    spawn: options.spawn ?? spawnComfyui,
    world: { clock: options.clock, env: p.env, platform: process.platform },
    reaper: p.reaper,
    record: p.hooked.record,
    observePrompt: p.metrics.observePrompt,
    refreshSettings: configRefresher(p.dir, options.settings, logger),
    passThrough: options.passThrough ?? !logging.ownLog,
    output: logging.comfyuiOutput,
    beforeFirstStart,
  });
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
