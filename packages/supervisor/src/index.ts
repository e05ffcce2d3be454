export type { ComfyuiExit, ComfyuiProcess, SpawnComfyui, SpawnComfyuiOptions } from './comfyui-process.ts';
export { spawnComfyui } from './comfyui-process.ts';
export type { ControlClient, ControlResult, HealthBody, SupervisorLookup } from './control-client.ts';
export { createControlClient, findControlClient, findSupervisor } from './control-client.ts';
export { CAPABILITIES } from './control-server.ts';
export {
  ControlPortInUseError,
  EnvironmentUnusableError,
  PortBusyError,
  SupervisorAlreadyRunningError,
} from './errors.ts';
export type { EventLog, EventLogOptions } from './event-log.ts';
export { combineRecorders, createEventLog } from './event-log.ts';
export { EXIT_CLEAN, EXIT_RESTART, EXIT_SWITCH } from './exit-policy.ts';
export type { ConsoleLoggerOptions, Logger } from './logger.ts';
export { createConsoleLogger, silentLogger } from './logger.ts';
export type { Metrics, MetricsOptions, MetricsSnapshot } from './metrics.ts';
export { createMetrics } from './metrics.ts';
export type { PortBusyPolicy } from './port-guard.ts';
export type { SupervisorOptions } from './run-supervisor.ts';
export { comfyuiLogPath, runSupervisor } from './run-supervisor.ts';
export type { Settings } from './settings.ts';
export { stopOrphans } from './stop-orphans.ts';
export type { SupervisorCommand } from './supervisor-command.ts';
export type { RecordEvent, SupervisorEvent } from './supervisor-event.ts';
export { createSync, findCg, toolingVenvDir } from './sync.ts';
