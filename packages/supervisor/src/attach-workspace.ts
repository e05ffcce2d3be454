import { removeControlPort, writeControlPort } from '@comfyvisor/ipc-files';
import { findConnectionUid, isPeerInProcessTree } from '@comfyvisor/processes';
import { CommandIntake } from './command-intake.ts';
import { type ControlServer, startControlServer } from './control-server.ts';
import type { Logger } from './logger.ts';
import type { MetadataStore } from './metadata-store.ts';
import type { Metrics } from './metrics.ts';
import type { Settings } from './settings.ts';
import type { Supervisor } from './supervisor.ts';

export interface WorkspaceAdapterOptions {
  store: MetadataStore;
  /** The workspace's `.metadata/`. */
  dir: string;
  settings: Settings;
  logger: Logger;
  metrics: Metrics;
  /** ComfyUI's port (the browser origins allowed). */
  comfyuiPort: number;
  version?: string | undefined;
  /** Refuse (throw) when no control port can be bound, instead of running without the API. */
  requireControlServer?: boolean | undefined;
  /** Settles when ComfyUI's port was checked: `.control_port` is written only after it. */
  portChecked: Promise<void>;
}

export interface WorkspaceAdapter {
  readonly controlPort: number | null;
  close(): Promise<void>;
}

/**
 * Attaches the `.metadata/` protocol to one core supervisor: `.cmd` intake, the control API on the
 * first free port of the range and `.control_port`. The switch files reach the core through the
 * store it was given; the pid claim, signals and the lifeline belong to the composition root.
 */
export async function attachWorkspace(
  supervisor: Supervisor,
  options: WorkspaceAdapterOptions,
): Promise<WorkspaceAdapter> {
  const { store, logger, settings } = options;
  const intake = new CommandIntake(store, logger, (command) => supervisor.send(command));
  intake.start();
  let control: ControlServer | null = null;
  try {
    control = settings.controlServer ? await startControl(supervisor, options) : null;
  } catch (error) {
    if (options.requireControlServer || (error as { code?: string }).code === 'PORT_BUSY') {
      intake.stop();
      throw error;
    }
    // As the Python supervisor: without a port the UI loses emergency controls, ComfyUI still runs.
    logger.warn(`${(error as Error).message}; the control API is off`);
  }
  return {
    controlPort: control?.port ?? null,
    async close() {
      intake.stop();
      await control?.close();
      await removeControlPort(options.dir).catch(() => {});
    },
  };
}

async function startControl(
  supervisor: Supervisor,
  options: WorkspaceAdapterOptions,
): Promise<ControlServer> {
  const { metrics, settings } = options;
  const target = {
    snapshot: () => supervisor.snapshot(),
    send: (command: Parameters<Supervisor['send']>[0]) => supervisor.send(command),
    requestSwitch: (name: string, options?: { force?: boolean }) => supervisor.requestSwitch(name, options),
    readStatus: () => supervisor.switchStatus(),
    metrics: () => {
      const snap = supervisor.snapshot();
      return metrics.text({
        comfyuiRunning: snap.comfyui?.running ?? false,
        comfyuiUptimeMs: snap.comfyui?.uptimeMs ?? 0,
        currentEnv: snap.currentEnv,
        queue: snap.comfyui?.queue,
        comfyuiResidentBytes: snap.comfyui?.memory?.rssBytes,
        comfyuiGpuBytes: snap.comfyui?.memory?.gpuBytes,
      });
    },
  };
  const control = await startControlServer(target, settings.controlPortRange, {
    comfyuiPort: options.comfyuiPort,
    version: options.version,
    replyDelayMs: settings.replyDelayMs,
    peerUid: ({ localPort, remotePort }) => findConnectionUid(localPort, remotePort),
    peerIsComfyui: async ({ localPort, remotePort }) => {
      const comfyui = supervisor.snapshot().comfyui;
      if (!comfyui?.running) return false; // nothing of the caller's would be stopped
      return isPeerInProcessTree(localPort, remotePort, comfyui.pid);
    },
  });
  try {
    await options.portChecked;
    await writeControlPort(options.dir, control.port);
  } catch (error) {
    await control.close();
    throw error;
  }
  options.logger.info(`control API on http://127.0.0.1:${control.port}`);
  return control;
}
