import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkEnvironment, getEnvironment } from '@comfyvisor/detection';
import {
  acquireSwitchLock,
  cleanupStaleTempFiles,
  FILE_NAMES,
  inspectSwitchRequest,
  inspectSwitchStatusWire,
  type Logger,
  metadataDir,
  readSwitchStatus,
  releaseSwitchLock,
  removeSwitchRequest,
  removeSwitchStatus,
  type SwitchState,
  type SwitchStatus,
  type TakenCommand,
  takeCommand,
  type Watcher,
  watchFile,
  writeStartupState,
  writeSwitchStatus,
} from '@comfyvisor/ipc-files';
import type { LaunchTarget } from './launch-plan.ts';

export type EnvironmentLookup = { ok: true; target: LaunchTarget } | { ok: false; reason: string };

export type TakenRequest =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; targetEnv: string; sourceEnv: string | null };

export interface StatusWrite {
  state: SwitchState;
  message: string;
  targetEnv: string | null;
  sourceEnv: string | null;
  error?: string | null | undefined;
}

/**
 * Everything the supervisor reads and writes in the workspace, behind one interface: the disk
 * (`createMetadataStore`) in real use, memory in unit tests. Reads never throw; writes may (the
 * caller logs them), removes never do.
 */
export interface MetadataStore {
  /** The environment `name` (any value from a request or a person) when it can be started. */
  environment(name: unknown): EnvironmentLookup;
  /** What is missing for the target to start (its interpreter, main.py), or null. */
  missingFiles(target: LaunchTarget): string | null;
  /** Reads `.switch_request.json` and removes it. */
  takeSwitchRequest(): Promise<TakenRequest>;
  readStatus(): Promise<SwitchStatus | null>;
  /** The status as it is on disk, wire names (for the control API). */
  readStatusWire(): Promise<Record<string, unknown> | null>;
  writeStatus(status: StatusWrite): Promise<void>;
  /** Removes `.switch_status.json` (never throws). */
  removeStatus(): Promise<void>;
  acquireLock(): Promise<boolean>;
  releaseLock(): Promise<void>;
  takeCommand(): Promise<TakenCommand>;
  watchCommands(onChange: () => void): Watcher;
  writeStartupState(state: {
    pythonExecutable: string;
    workingDirectory: string;
    argv: string[];
    environmentName: string;
    workspaceRoot: string;
    port: number;
  }): Promise<void>;
  readonly workspace: string;
  /** The path ComfyUI-Manager is told (`__COMFY_CLI_SESSION__`); it writes `<session>.reboot`. */
  readonly session: string;
  /** Whether ComfyUI-Manager left its reboot marker; removes it. */
  takeRebootMarker(): Promise<boolean>;
  /** Start-up and shut-down housekeeping: stale temp files, an old reboot marker. */
  tidy(): Promise<void>;
}

export function createMetadataStore(
  workspace: string,
  options: { logger: Logger; wallNow: () => number; pid: number; platform: NodeJS.Platform },
): MetadataStore {
  const dir = metadataDir(workspace);
  const io = { logger: options.logger, now: options.wallNow };
  const session = join(dir, `.comfyvisor-session-${options.pid}`);
  return {
    environment(name) {
      const check = checkEnvironment(workspace, name);
      if (!check.ok) return { ok: false, reason: check.message };
      const env = getEnvironment(workspace, check.name, { platform: options.platform });
      return {
        ok: true,
        target: {
          name: env.name,
          python: env.python,
          mainPy: env.mainPy,
          comfyuiDir: env.comfyuiDir,
          venvDir: env.venvDir,
        },
      };
    },
    missingFiles(target) {
      if (!existsSync(target.python)) return `${target.name} has no interpreter at ${target.python}`;
      if (!existsSync(target.mainPy)) return `${target.name} has no ComfyUI at ${target.mainPy}`;
      return null;
    },
    async takeSwitchRequest() {
      const found = await inspectSwitchRequest(dir, io);
      if (found.kind !== 'missing') await removeSwitchRequest(dir, io);
      if (found.kind !== 'ok') return found;
      return { kind: 'ok', targetEnv: found.request.targetEnv, sourceEnv: found.request.sourceEnv };
    },
    readStatus: () => readSwitchStatus(dir, io),
    async readStatusWire() {
      const read = await inspectSwitchStatusWire(dir, io);
      return read.kind === 'ok' ? read.value : null;
    },
    async writeStatus(status) {
      await writeSwitchStatus(dir, status, io);
    },
    removeStatus: () => removeSwitchStatus(dir, io),
    async acquireLock() {
      return (await acquireSwitchLock(dir, io)).ok;
    },
    releaseLock: () => releaseSwitchLock(dir, io),
    takeCommand: () => takeCommand(dir, io),
    watchCommands: (onChange) => watchFile(dir, FILE_NAMES.command, onChange, { pollMs: 1000 }),
    writeStartupState: (state) => writeStartupState(dir, state, io).then(() => {}),
    workspace,
    session,
    takeRebootMarker() {
      // Removed, it was there; a directory in its place (not removable so) is no marker, else every
      // later exit 0 would restart ComfyUI.
      return rm(`${session}.reboot`).then(
        () => true,
        () => false,
      );
    },
    async tidy() {
      await cleanupStaleTempFiles(dir).catch(() => 0);
      await rm(`${session}.reboot`, { force: true }).catch(() => {});
    },
  };
}
