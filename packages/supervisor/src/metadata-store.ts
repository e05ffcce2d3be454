import { join } from 'node:path';
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
  type TakenCommand,
  takeCommand,
  type Watcher,
  watchFile,
  writeStartupState,
  writeSwitchStatus,
} from '@comfyvisor/ipc-files';
import { createInstanceStore, type InstanceStore } from './instance-store.ts';
import type { SwitchChannel } from './switch-channel.ts';

export type { EnvironmentLookup } from './instance-store.ts';
export type { StatusWrite, TakenRequest } from './switch-channel.ts';

/**
 * The `.metadata/` wire of one workspace, behind one interface: the instance's store (with
 * `.startup_state.json`), the switch files and the `.cmd` hand-off. The disk in real use
 * (`createMetadataStore`), memory in unit tests.
 */
export interface MetadataStore extends InstanceStore, SwitchChannel {
  takeCommand(): Promise<TakenCommand>;
  watchCommands(onChange: () => void): Watcher;
}

export function createMetadataStore(
  workspace: string,
  options: { logger: Logger; wallNow: () => number; pid: number; platform: NodeJS.Platform },
): MetadataStore {
  const dir = metadataDir(workspace);
  const io = { logger: options.logger, now: options.wallNow };
  const instance = createInstanceStore(workspace, {
    session: join(dir, `.comfyvisor-session-${options.pid}`),
    platform: options.platform,
  });
  return {
    ...instance,
    writeStartupState: (state) => writeStartupState(dir, state, io).then(() => {}),
    async tidy() {
      await cleanupStaleTempFiles(dir).catch(() => 0);
      await instance.tidy();
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
  };
}
