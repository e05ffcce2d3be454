export { writeFileAtomic, writeFileAtomicSync } from './atomic-write.ts';
export type { Command, CommandName, TakenCommand } from './command.ts';
export { COMMAND_NAMES, cleanupStaleTempFiles, takeCommand, writeCommand } from './command.ts';
export type { Config } from './config.ts';
export { configToWire, DEFAULT_CONFIG, loadConfig } from './config.ts';
export { IpcError } from './errors.ts';
export type { IpcOptions, Logger } from './logger.ts';
export { silentLogger } from './logger.ts';
export { FILE_NAMES, metadataDir } from './paths.ts';
export {
  readControlPort,
  readPidFile,
  readPidFileSync,
  removeControlPort,
  removePidFile,
  writeControlPort,
  writePidFile,
} from './pid-file.ts';
export { DEFAULT_FLOAT_KEYS, toPythonJson } from './python-json.ts';
export type { StartupState } from './startup-state.ts';
export { readStartupState, writeStartupState } from './startup-state.ts';
export type { LockOptions, LockResult } from './switch-lock.ts';
export { acquireSwitchLock, isSwitchLocked, releaseSwitchLock } from './switch-lock.ts';
export type { SwitchRequest } from './switch-request.ts';
export {
  inspectSwitchRequest,
  readSwitchRequest,
  removeSwitchRequest,
  writeSwitchRequest,
} from './switch-request.ts';
export type { SwitchState, SwitchStatus } from './switch-status.ts';
export {
  FINAL_SWITCH_STATES,
  PANEL_FINAL_STATES,
  readSwitchStatus,
  removeSwitchStatus,
  SWITCH_PROGRESS,
  SWITCH_STATES,
  switchStatusToWire,
  writeSwitchStatus,
} from './switch-status.ts';
export type { Watcher } from './watch-file.ts';
export { watchFile } from './watch-file.ts';
