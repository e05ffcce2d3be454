// What the other packages use; the rest of ipc-files stays inside it.
export { writeFileAtomic } from './atomic-write.ts';
export { jsonTooDeep } from './bounded-text.ts';
export type { Command, TakenCommand } from './command.ts';
export { cleanupStaleTempFiles, takeCommand, writeCommand } from './command.ts';
export type { Config } from './config.ts';
export { configToWire, DEFAULT_CONFIG, loadConfig, readConfig } from './config.ts';
export type { EnvironmentConfig, HookSpec } from './config-items.ts';
export { parseDailyTime } from './config-items.ts';
export type { ConfigUpdate, ConfigWire } from './config-update.ts';
export { extraArgsRefusal, updateConfig } from './config-update.ts';
export { IpcError } from './errors.ts';
export { appendEvent, MAX_READ_LINE as EVENT_LINE_MAX_CHARS, parseEvent, readEvents } from './events.ts';
export type { Logger } from './logger.ts';
export { silentLogger } from './logger.ts';
export { FILE_NAMES, metadataDir } from './paths.ts';
export { claimPidFile, discardStalePidFile, releasePidFile, verifyPidFile } from './pid-claim.ts';
export {
  inspectControlPort,
  inspectPidFile,
  readControlPort,
  readPidFile,
  removeControlPort,
  writeControlPort,
} from './pid-file.ts';
export { toPythonJson } from './python-json.ts';
export type { RotatingLog } from './rotating-log.ts';
export { createRotatingLog } from './rotating-log.ts';
export { READ_LIMITS, readRegularFile } from './safe-read.ts';
export type { StartupState } from './startup-state.ts';
export { readStartupState, writeStartupState } from './startup-state.ts';
export { acquireSwitchLock, releaseSwitchLock } from './switch-lock.ts';
export { inspectSwitchRequest, removeSwitchRequest, writeSwitchRequest } from './switch-request.ts';
export type { SwitchOutcome, SwitchState, SwitchStatus, SwitchStatusWire } from './switch-status.ts';
export {
  FINAL_SWITCH_STATES,
  inspectSwitchStatusWire,
  PANEL_FINAL_STATES,
  readSwitchStatus,
  removeSwitchStatus,
  SWITCH_OUTCOMES,
  SWITCH_PROGRESS,
  switchStatusToWire,
  writeSwitchStatus,
} from './switch-status.ts';
export type { Watcher } from './watch-file.ts';
export { watchFile } from './watch-file.ts';
