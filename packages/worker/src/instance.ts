/** The states of an instance (the reference's; `terminated` is only a response word). */
export type InstanceStatus = 'deploying' | 'starting' | 'running' | 'stopped' | 'error';
export type InstanceMode = 'native' | 'docker';

/** One instance as the worker keeps it (camelCase; the wire mapping is in state-file.ts and views.ts). */
export interface Instance {
  id: string;
  name: string;
  environmentName: string;
  mode: InstanceMode;
  assignedPort: number;
  importSource: string;
  branch: string | null;
  status: InstanceStatus;
  containerId: string | null;
  /** ComfyUI's pid while it runs. */
  pid: number | null;
  createdAt: string;
  /** Ours: `CUDA_VISIBLE_DEVICES` for this instance's ComfyUI. */
  cudaVisibleDevices: string | null;
}

/** What the registry adds at run time (not in instances.json). */
export interface InstanceRuntime {
  /** When ComfyUI last answered after a (re)start, ms since the epoch. */
  runningSince: number | null;
  restarts: number;
  lastError: string | null;
}
