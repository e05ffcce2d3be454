export type { AuthResult, FailureDelay, KeyGuard } from './api/auth.ts';
export { createKeyGuard, defaultFailureDelay } from './api/auth.ts';
export { importArgs } from './deploy.ts';
export type { WorkerErrorCode } from './errors.ts';
export { WorkerError } from './errors.ts';
export type { Instance, InstanceMode, InstanceRuntime, InstanceStatus } from './instance.ts';
export type {
  CreateRunner,
  InstanceRunner,
  RunnerCommand,
  RunnerEvent,
  RunnerLogger,
  RunnerOptions,
  RunnerSnapshot,
} from './instance-runner.ts';
export { environmentNameFor, newApiKey, newInstanceId } from './names.ts';
export type { PortRange } from './port-allocator.ts';
export { parsePortRange } from './port-allocator.ts';
export type { ServeOptions, WorkerServer } from './serve.ts';
export { serveWorker } from './serve.ts';
export { readStateFile, STATE_FILE } from './state-file.ts';
export { LOCK_FILE } from './state-lock.ts';
export type { CreateInput, InstanceInfo, Worker, WorkerOptions } from './worker.ts';
export { openWorker } from './worker.ts';
