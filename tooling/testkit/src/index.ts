export { canCurlAsNobody, curlStatus } from './as-user.ts';
export { cleanupWorkspaces, removeAfterTest } from './cleanup.ts';
export type { FakeCg, FakeCgBehaviour, FakeCgCall } from './fake-cg.ts';
export { createFakeCg } from './fake-cg.ts';
export type { FakeClock } from './fake-clock.ts';
export { fakeClock } from './fake-clock.ts';
export { fakeComfyuiFiles, fakeComfyuiPath } from './fake-comfyui.ts';
export type {
  FakePromptOptions,
  FakeQueue,
  FakeRecord,
  PostPromptAnswer,
  PostPromptOptions,
  QueueItem,
} from './fake-jobs.ts';
export {
  clearQueue,
  deleteQueued,
  executedCounts,
  fakePrompt,
  freeMemory,
  growFake,
  interruptPrompt,
  postPrompt,
  printOnFake,
  readFakeRecord,
  readQueue,
} from './fake-jobs.ts';
export type { FakeNvidiaSmi, FakeNvidiaSmiState } from './fake-nvidia-smi.ts';
export { buildFakeNvidiaSmi } from './fake-nvidia-smi.ts';
export type { FakeProc, FakeProcess, FakeSocket } from './fake-proc.ts';
export { createFakeProc } from './fake-proc.ts';
export { freePort, httpJson, isAlive, killTracked, track, trackPid, waitFor } from './processes.ts';
export { tempDir, tempWorkspace } from './temp-workspace.ts';
export { buildFakeCgWheel } from './wheel.ts';
export type { CreateWorkspaceOptions, FakeBehaviour, FakeEvent, TestWorkspace } from './workspace.ts';
export { createWorkspace } from './workspace.ts';
