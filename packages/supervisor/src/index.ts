// What the apps use, and the types of its options and results: nothing more.
export {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  comfyuiOrigins,
  hostnameOf,
  LOOPBACK_HOSTS,
} from './browser-rules.ts';
export type { ComfyuiExit, ComfyuiProcess, SpawnComfyui, SpawnComfyuiOptions } from './comfyui-process.ts';
export type { ControlClient, ControlResult, HealthBody, SupervisorLookup } from './control-client.ts';
export { createControlClient, findSupervisor } from './control-client.ts';
export type { InstanceOptions } from './create-supervisor.ts';
export { createSupervisor } from './create-supervisor.ts';
export {
  ControlPortInUseError,
  EnvironmentUnusableError,
  PortBusyError,
  SupervisorAlreadyRunningError,
} from './errors.ts';
export type { Logger } from './logger.ts';
export type { PortBusyPolicy } from './port-guard.ts';
export type { SignalTarget } from './process-wide.ts';
export { handleSignals } from './process-wide.ts';
export type { Reaper } from './reaper.ts';
export { startReaper } from './reaper.ts';
export type { SupervisorOptions } from './run-supervisor.ts';
export { runSupervisor } from './run-supervisor.ts';
export type { Settings } from './settings.ts';
export { stopOrphans } from './stop-orphans.ts';
export type { Supervisor, SupervisorSnapshot } from './supervisor.ts';
export type { SupervisorCommand } from './supervisor-command.ts';
export type { RecordEvent, SupervisorEvent } from './supervisor-event.ts';
export type { SyncEnvironment, SyncResult } from './sync.ts';
export { toolingVenvDir } from './sync.ts';
