import { join } from 'node:path';
import { findOrphans } from '@comfyvisor/detection';
import { type Clock, comfyuiAddress } from '@comfyvisor/health';
import {
  createRotatingLog,
  FILE_NAMES,
  loadConfig,
  metadataDir,
  type RotatingLog,
  removeControlPort,
  writeControlPort,
} from '@comfyvisor/ipc-files';
import { findPortListeners, isPeerInProcessTree } from '@comfyvisor/processes';
import { type ComfyuiProcess, type SpawnComfyui, spawnComfyui } from './comfyui-process.ts';
import { type ControlServer, startControlServer } from './control-server.ts';
import { EnvironmentUnusableError } from './errors.ts';
import { combineRecorders, createEventLog } from './event-log.ts';
import { createConsoleLogger, type Logger } from './logger.ts';
import { createMetadataStore } from './metadata-store.ts';
import { createMetrics } from './metrics.ts';
import { guardPidFile } from './pid-guard.ts';
import { guardPort, type PortHolder } from './port-guard.ts';
import { startReaper } from './reaper.ts';
import { type Settings, settingsFrom } from './settings.ts';
import { stopOrphans } from './stop-orphans.ts';
import { Supervisor } from './supervisor.ts';
import type { RecordEvent } from './supervisor-event.ts';
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

/** The whole life of `comfyvisor run`: resolves with the exit code the process should end with. */
export async function runSupervisor(options: SupervisorOptions): Promise<{ exitCode: number }> {
  const dir = metadataDir(options.workspace);
  const bootLogger = options.logger ?? createConsoleLogger('info');
  const config = await loadConfig(dir, { logger: bootLogger });
  const settings: Settings = { ...settingsFrom(config), ...options.settings };
  const rotation = { maxBytes: settings.logMaxBytes, keep: settings.logKeep };
  const ownLog: RotatingLog | null = options.logFile ? createRotatingLog(options.logFile, rotation) : null;
  const logger =
    options.logger ??
    createConsoleLogger(settings.logLevel, ownLog ? (line) => ownLog.write(line) : undefined, {
      format: settings.logFormat,
    });
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
  // Marks this process as a supervisor for pid checks (`isSupervisorProcess` reads the command line).
  process.title = `comfyvisor supervisor ${options.workspace}`;
  const reaper = startReaper(store.session, platform);
  const eventLog = createEventLog(dir, { maxBytes: settings.eventsMaxBytes, logger });
  const metrics = createMetrics();
  const record = combineRecorders(eventLog, metrics.record, options.record);
  const comfyuiLog = createRotatingLog(comfyuiLogPath(options.workspace), rotation);
  let control: ControlServer | null = null;
  const signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  try {
    const address = comfyuiAddress(options.args, { host: settings.defaultHost, port: settings.defaultPort });
    const checkPort = (signal?: AbortSignal) =>
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
    const portChecked = settings.portBusy === 'refuse' ? checkPort() : Promise.resolve();
    portChecked.catch(() => {}); // awaited below, after the control server is bound beside it
    const supervisor = new Supervisor({
      environment: options.environment,
      args: options.args,
      settings,
      logger,
      store,
      sync:
        options.sync ??
        createSync(
          options.workspace,
          { enabled: settings.syncEnabled, command: settings.syncCommand, timeoutMs: settings.syncTimeoutMs },
          // marked with our session, so the lifeline ends a sync under way if we are killed
          { ...(options.env ?? process.env), COMFYVISOR_SESSION: store.session },
        ),
      spawn: options.spawn ?? spawnComfyui,
      world: { clock: options.clock, env: options.env ?? process.env, platform },
      reaper,
      record,
      passThrough: options.passThrough ?? !ownLog,
      // comfyui.log always; with our own log file (a detached supervisor), ComfyUI's output goes
      // there too, as a Python supervisor's inherited stdout does (the panel's debug log viewer).
      output: ownLog
        ? {
            write: (chunk: Buffer) => {
              comfyuiLog.write(chunk);
              ownLog.write(chunk);
            },
          }
        : comfyuiLog,
      // The one port check: up front when a busy port refuses the start, beside the first sync when
      // it waits for the port to be released (a lazily spawned supervisor's case).
      beforeFirstStart: settings.portBusy === 'wait' ? checkPort : undefined,
    });
    if (settings.controlServer) {
      try {
        const target = {
          snapshot: () => supervisor.snapshot(),
          send: (command: Parameters<Supervisor['send']>[0]) => supervisor.send(command),
          requestSwitch: (name: string) => supervisor.requestSwitch(name),
          readStatus: () => supervisor.readStatus(),
          metrics: () => {
            const snap = supervisor.snapshot();
            return metrics.text({
              comfyuiRunning: snap.comfyui?.running ?? false,
              comfyuiUptimeMs: snap.comfyui?.uptimeMs ?? 0,
              currentEnv: snap.currentEnv,
            });
          },
        };
        control = await startControlServer(target, settings.controlPortRange, {
          comfyuiPort: address.port,
          version: options.version,
          replyDelayMs: settings.replyDelayMs,
          peerIsComfyui: async ({ localPort, remotePort }) => {
            const comfyui = supervisor.snapshot().comfyui;
            if (!comfyui?.running) return false; // nothing of the caller's would be stopped
            return isPeerInProcessTree(localPort, remotePort, comfyui.pid);
          },
        });
        await portChecked;
        await writeControlPort(dir, control.port);
        logger.info(`control API on http://127.0.0.1:${control.port}`);
      } catch (error) {
        if (options.requireControlServer || (error as { code?: string }).code === 'PORT_BUSY') throw error;
        // As the Python supervisor: without a port the UI loses emergency controls, ComfyUI still runs.
        logger.warn(`${(error as Error).message}; the control API is off`);
      }
    }
    await portChecked;
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
    reaper?.close();
    await control?.close();
    await removeControlPort(dir).catch(() => {});
    await eventLog.flush();
    await pidFile.release();
    await comfyuiLog.close();
    await ownLog?.close();
  }
}

export type { ComfyuiProcess };
