export type { FakeCg, FakeCgBehaviour, FakeCgCall } from './fake-cg.ts';
export { createFakeCg } from './fake-cg.ts';
export { fakeComfyuiPath } from './fake-comfyui.ts';
export type { FakeProc, FakeProcess, FakeSocket } from './fake-proc.ts';
export { createFakeProc } from './fake-proc.ts';
export { freePort, httpJson, isAlive, killTracked, track, trackPid, waitFor } from './processes.ts';
export { buildFakeCgWheel } from './wheel.ts';
export type { CreateWorkspaceOptions, FakeBehaviour, FakeEvent, TestWorkspace } from './workspace.ts';
export { cleanupWorkspaces, createWorkspace } from './workspace.ts';
