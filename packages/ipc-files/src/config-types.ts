import type { EnvironmentConfig, HookSpec } from './config-items.ts';

/** `orchestrator_config.json`, in TypeScript names. Ranges: see `config-schema.ts` and the README. */
export interface Config {
  version: string;
  orchestrator: {
    controlPort: number;
    controlPortRange: [number, number];
    enableControlServer: boolean;
    logLevel: string;
    healthCheckTimeoutS: number;
    syncTimeoutS: number;
    /** ours: time between health probes. @default 100 */
    healthCheckIntervalMs: number;
    /** ours: consecutive good probes that make a process healthy. @default 3 */
    healthCheckSuccesses: number;
    /** ours: SIGTERM-to-SIGKILL grace when stopping ComfyUI. @default 10 */
    stopGraceS: number;
    /** ours: crashes tolerated within the window before giving up. @default 5 */
    crashMaxRestarts: number;
    /** @default 300 */
    crashWindowS: number;
    /** @default 500 */
    crashBackoffInitialMs: number;
    /** @default 30000 */
    crashBackoffMaxMs: number;
    /** ours: run the sync step before each start. @default true */
    syncEnabled: boolean;
    /** ours: replaces `cg -e <env> repair --yes --models skip`; `{env}` and `{workspace}` are substituted. @default null */
    syncCommand: string[] | null;
    /** ours: also wrap ComfyUI in `setpriv --pdeathsig SIGKILL` on Linux (costs ~4 ms per start). @default false */
    parentDeathSignal: boolean;
    /** ours: probe a running ComfyUI and restart it when it stops answering. @default true */
    livenessEnabled: boolean;
    /** ours: seconds between liveness probes (1-3600). @default 10 */
    livenessIntervalS: number;
    /** ours: consecutive failed probes that count as hung (1-100). @default 3 */
    livenessFailures: number;
    /** ours: timeout of one liveness probe in seconds (0.1-600). @default 5 */
    livenessTimeoutS: number;
    /** ours: how long the control API waits before answering a restart/kill (0-10000 ms). @default 300 */
    controlReplyDelayMs: number;
    /** ours: size at which comfyui.log and orchestrator.log rotate (1-10240 MB). @default 10 */
    logMaxMb: number;
    /** ours: rotated log files kept (0-100). @default 3 */
    logKeep: number;
    /** ours: the supervisor's own log lines as text or JSON. @default 'text' */
    logFormat: 'text' | 'json';
    /** ours: size at which events.jsonl rotates (16-65536 KB: readers take at most 64 MiB). @default 1024 */
    eventsMaxKb: number;
    /** ours: a planned restart, stop or switch first waits for the running prompt. @default true */
    drainEnabled: boolean;
    /** ours: the longest such wait (0-604800 s). @default 900 */
    drainTimeoutS: number;
    /** ours: SIGTERM to the supervisor drains too (else it stops at once). @default false */
    drainOnSigterm: boolean;
    /** ours: prompts pending at a restart in the same environment are posted again. @default true */
    requeuePending: boolean;
    /** ours: failed liveness probes tolerated this long while a prompt runs (1-604800 s). @default 600 */
    livenessBusyTimeoutS: number;
    /** ours: regexes; a line of ComfyUI's output matching one restarts it at once (bad ones dropped). @default the two CUDA lines */
    fatalOutputPatterns: string[];
    /** ours: restart (after a drain) when ComfyUI's process tree's resident memory passes this; 0 is off. @default 0 */
    restartRssMb: number;
    /** ours: the same for the GPU memory nvidia-smi reports for ComfyUI's processes; 0 is off. @default 0 */
    restartVramMb: number;
    /** ours: local times `"HH:MM"` or `"HH:MM:SS"`, a restart (after a drain) once per time per day. @default [] */
    restartDailyAt: string[];
    /** ours: after this long with an empty queue, `POST /free` once per idle spell; 0 is off (0-604800 s). @default 0 */
    idleFreeS: number;
    /** ours: commands or URLs told about events (`on` types or `"*"`). @default [] */
    hooks: HookSpec[];
  };
  comfyui: {
    defaultPort: number;
    defaultHost: string;
    extraArgs: string[];
    /** ours: variables ComfyUI gets in every environment. @default {} */
    env: Record<string, string>;
  };
  frontend: { emergencyThresholdNormalS: number; emergencyThresholdSwitchingS: number };
  /** ours (top level): extra args and variables for one environment, added to the global ones. @default {} */
  environments: Record<string, EnvironmentConfig>;
  /** Sections we do not know, kept as they were. */
  extra: Record<string, unknown>;
}
