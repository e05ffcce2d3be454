export type { BridgeApp, BridgeAppOptions } from './app.ts';
export { createBridgeApp } from './app.ts';
export type { LoadTokenOptions, LoginToken } from './auth-token.ts';
export { loadLoginToken } from './auth-token.ts';
export { bridgeMain } from './cli.ts';
export { dashboardHtml } from './dashboard.ts';
export type { EnvironmentInfo, EnvironmentsBody } from './environments.ts';
export { describeEnvironments } from './environments.ts';
export { BridgeConfigError, SupervisorSpawnError } from './errors.ts';
export { extractComfyuiArgs } from './extract-args.ts';
export type { RequestSwitchOptions, SwitchRequestResult } from './request-switch.ts';
export { requestSwitch } from './request-switch.ts';
export type { BridgeServer } from './serve.ts';
export { startBridgeServer } from './serve.ts';
export type { SpawnSupervisorOptions } from './spawn-supervisor.ts';
export { cliBinPath, spawnSupervisor } from './spawn-supervisor.ts';
export type { CapabilityCheck, SupervisorIdentity } from './supervisor-capability.ts';
export { checkSwitchCapability } from './supervisor-capability.ts';
export type { ProxyResult } from './supervisor-proxy.ts';
export {
  currentEnvironment,
  proxyToSupervisor,
  supervisorStatus,
  switchStatusFromFile,
} from './supervisor-proxy.ts';
