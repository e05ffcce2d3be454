import {
  SWITCH_PROGRESS,
  type SwitchState,
  type SwitchStatus,
  switchStatusToWire,
} from '@comfyvisor/ipc-files';

export type TakenRequest =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; targetEnv: string; sourceEnv: string | null };

export interface StatusWrite {
  state: SwitchState;
  message: string;
  targetEnv: string | null;
  sourceEnv: string | null;
  error?: string | null | undefined;
  /** More wire fields, written after the known ones (e.g. `recovery_command`). */
  extra?: Record<string, unknown> | undefined;
}

/**
 * How switch requests reach one supervised ComfyUI and where its progress is told: the switch
 * files of `.metadata/` for `comfyvisor run`, memory for an instance without them (a worker's).
 * Reads never throw; writes may (the reporter logs them).
 */
export interface SwitchChannel {
  /** Reads the waiting switch request (`.switch_request.json`) and removes it. */
  takeSwitchRequest(): Promise<TakenRequest>;
  readStatus(): Promise<SwitchStatus | null>;
  /** The status as it is stored, wire names (for `GET /status`). */
  readStatusWire(): Promise<Record<string, unknown> | null>;
  writeStatus(status: StatusWrite): Promise<void>;
  /** Removes the stored status (never throws). */
  removeStatus(): Promise<void>;
  acquireLock(): Promise<boolean>;
  releaseLock(): Promise<void>;
}

/** A channel in memory: no request ever waits; the statuses and the lock live with the instance. */
export function memorySwitchChannel(now: () => number = Date.now): SwitchChannel & {
  readonly last: StatusWrite | null;
} {
  let last: (StatusWrite & { updatedAt: number }) | null = null;
  let locked = false;
  return {
    get last() {
      return last;
    },
    takeSwitchRequest: async () => ({ kind: 'missing' }),
    readStatus: async () => (last ? { ...last, progress: SWITCH_PROGRESS[last.state] } : null),
    readStatusWire: async () =>
      last ? switchStatusToWire({ ...last, progress: SWITCH_PROGRESS[last.state] }) : null,
    async writeStatus(status) {
      last = { ...status, updatedAt: now() };
    },
    async removeStatus() {
      last = null;
    },
    async acquireLock() {
      if (locked) return false;
      locked = true;
      return true;
    },
    async releaseLock() {
      locked = false;
    },
  };
}
