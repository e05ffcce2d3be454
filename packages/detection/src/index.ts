export type { Environment, EnvironmentCheck } from './environment.ts';
export {
  checkEnvironment,
  environmentExists,
  getEnvironment,
  listEnvironments,
  readActiveEnvironment,
} from './environment.ts';
export type { NameCheck } from './environment-name.ts';
export { RESERVED_ENVIRONMENT_NAMES, validateEnvironmentName } from './environment-name.ts';
export { InvalidEnvironmentNameError } from './errors.ts';
export type { FindOrphansOptions, Orphan, OrphanReason } from './orphans.ts';
export { findOrphans } from './orphans.ts';
export type { SpawnDecision } from './should-spawn.ts';
export { shouldSpawnSupervisor } from './should-spawn.ts';
export type { SupervisorCheck } from './supervisor-process.ts';
export { isSupervisorProcess, SUPERVISOR_TITLE } from './supervisor-process.ts';
export type { Detection } from './workspace.ts';
export { detectEnvironment, findWorkspaceRoot, isWorkspace } from './workspace.ts';
export type { World } from './world.ts';
