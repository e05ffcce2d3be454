export { writeFileAtomic } from './atomic-write.ts';
export { boundText, DESCRIBE_MAX_CHARS, describeValue, JSON_MAX_DEPTH, jsonTooDeep } from './bounded-text.ts';
export type { Command, CommandName, TakeCommandOptions, TakenCommand } from './command.ts';
export { COMMAND_NAMES, cleanupStaleTempFiles, takeCommand, writeCommand } from './command.ts';
export type { Config } from './config.ts';
export { configToWire, DEFAULT_CONFIG, loadConfig, readConfig } from './config.ts';
export type { EnvironmentConfig, HookSpec } from './config-items.ts';
export { parseDailyTime } from './config-items.ts';
export type { ConfigUpdate, ConfigWire } from './config-update.ts';
export { extraArgsRefusal, updateConfig } from './config-update.ts';
export { IpcError } from './errors.ts';
export type { AppendEventOptions, SupervisorEvent } from './events.ts';
export { appendEvent, MAX_READ_LINE as EVENT_LINE_MAX_CHARS, parseEvent, readEvents } from './events.ts';
export type { IpcOptions, Logger } from './logger.ts';
export { silentLogger } from './logger.ts';
export { FILE_NAMES, metadataDir } from './paths.ts';
export type { ClaimOptions, ClaimResult } from './pid-claim.ts';
export { claimPidFile, discardStalePidFile, releasePidFile, verifyPidFile } from './pid-claim.ts';
export {
  inspectControlPort,
  inspectPidFile,
  readControlPort,
  readPidFile,
  removeControlPort,
  removePidFile,
  writeControlPort,
  writePidFile,
} from './pid-file.ts';
export { isProcessAlive } from './process-alive.ts';
export { DEFAULT_FLOAT_KEYS, toPythonJson } from './python-json.ts';
export type { RotatingLog, RotatingLogOptions } from './rotating-log.ts';
export { createRotatingLog } from './rotating-log.ts';
export type { SafeRead } from './safe-read.ts';
export { READ_LIMITS, readRegularFile } from './safe-read.ts';
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
export type { SwitchOutcome, SwitchState, SwitchStatus, SwitchStatusWire } from './switch-status.ts';
export {
  FINAL_SWITCH_STATES,
  inspectSwitchStatusWire,
  PANEL_FINAL_STATES,
  readSwitchStatus,
  removeSwitchStatus,
  SWITCH_OUTCOMES,
  SWITCH_PROGRESS,
  SWITCH_STATES,
  switchStatusToWire,
  writeSwitchStatus,
} from './switch-status.ts';
export type { TolerantRead } from './tolerant-read.ts';
export type { Watcher } from './watch-file.ts';
export { watchFile } from './watch-file.ts';
