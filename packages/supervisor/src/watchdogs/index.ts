// The watchdogs' building blocks (issue 18), for the supervision core to wire; not part of the
// package's public API (src/index.ts does not export them).
export type { DailySchedule, DailyScheduleOptions } from './daily-schedule.ts';
export { createDailySchedule } from './daily-schedule.ts';
export type { FatalOutputMatcher, FatalOutputOptions } from './fatal-output.ts';
export { compilePatterns, createFatalOutputMatcher } from './fatal-output.ts';
export type { GpuSample, GpuSampler, GpuSamplerOptions } from './gpu-sampler.ts';
export { createGpuSampler, MIB, parseComputeApps } from './gpu-sampler.ts';
export type { HookRunner, HookRunnerOptions } from './hooks.ts';
export { createHookRunner, eventLine, hookName } from './hooks.ts';
export type { IdleFree, IdleFreeOptions } from './idle-free.ts';
export { createIdleFree, FREE_REQUEST_BODY } from './idle-free.ts';
export type {
  ResourceReading,
  ResourceVerdict,
  ResourceWatch,
  ResourceWatchOptions,
} from './resource-watch.ts';
export { createResourceWatch, judgeResource } from './resource-watch.ts';
