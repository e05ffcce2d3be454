import { validateEnvironmentName } from '@comfyvisor/detection';
import type { SwitchStatus, TakenCommand, Watcher } from '@comfyvisor/ipc-files';
import type { LaunchTarget } from '../src/launch-plan.ts';
import type { MetadataStore, StatusWrite, TakenRequest } from '../src/metadata-store.ts';

/** The workspace in memory: what the supervisor reads and writes, for unit tests with no disk. */
export interface MemoryStore extends MetadataStore {
  envs: Set<string>;
  /** Environments whose interpreter is missing. */
  broken: Set<string>;
  /** Every status written, in order. */
  statuses: StatusWrite[];
  request: TakenRequest;
  lock: boolean;
  commands: TakenCommand[];
  rebootMarker: boolean;
  /** Makes status writes fail (as a read-only `.metadata/`). */
  readOnly: boolean;
  /** How many statuses were written when the status file was last removed (-1: never). */
  removedAt: number;
  /** A status left on disk by someone else. */
  diskStatus: SwitchStatus | null;
  lastStatus(): StatusWrite | undefined;
  /** Delivers a `.cmd` as fs.watch would. */
  putCommand(command: TakenCommand): void;
}

export function memoryStore(envs: string[] = ['env1', 'env2']): MemoryStore {
  let onCommand: (() => void) | null = null;
  const target = (name: string): LaunchTarget => ({
    name,
    python: `/ws/environments/${name}/.venv/bin/python`,
    mainPy: `/ws/environments/${name}/ComfyUI/main.py`,
    comfyuiDir: `/ws/environments/${name}/ComfyUI`,
    venvDir: `/ws/environments/${name}/.venv`,
  });
  const store: MemoryStore = {
    envs: new Set(envs),
    broken: new Set(),
    statuses: [],
    request: { kind: 'missing' },
    lock: false,
    commands: [],
    rebootMarker: false,
    readOnly: false,
    diskStatus: null,
    removedAt: -1,
    workspace: '/ws',
    session: '/ws/.metadata/.comfyvisor-session-1',
    environment(name) {
      const check = validateEnvironmentName(name);
      if (!check.ok) return { ok: false, reason: `invalid environment name: ${check.reason}` };
      if (!store.envs.has(check.name))
        return { ok: false, reason: `environment "${check.name}" does not exist` };
      return { ok: true, target: target(check.name) };
    },
    missingFiles: (t) => (store.broken.has(t.name) ? `${t.name} has no interpreter at ${t.python}` : null),
    async takeSwitchRequest() {
      const found = store.request;
      store.request = { kind: 'missing' };
      return found;
    },
    async readStatus() {
      const last = store.statuses.at(-1);
      if (!last) return store.diskStatus;
      return { ...last, progress: 0, updatedAt: 0 };
    },
    async readStatusWire() {
      if (store.removedAt === store.statuses.length) return null;
      const last = store.statuses.at(-1);
      return last ? { state: last.state, message: last.message, target_env: last.targetEnv } : null;
    },
    async writeStatus(status) {
      if (store.readOnly)
        throw Object.assign(new Error('EROFS: read-only .metadata'), { code: 'WRITE_FAILED' });
      store.statuses.push(status);
    },
    async removeStatus() {
      store.removedAt = store.statuses.length;
    },
    async acquireLock() {
      if (store.lock) return false;
      store.lock = true;
      return true;
    },
    async releaseLock() {
      store.lock = false;
    },
    async takeCommand() {
      return store.commands.shift() ?? { kind: 'none' };
    },
    watchCommands(callback): Watcher {
      onCommand = callback;
      return {
        close: () => {
          onCommand = null;
        },
      };
    },
    async writeStartupState() {},
    async takeRebootMarker() {
      const had = store.rebootMarker;
      store.rebootMarker = false;
      return had;
    },
    async tidy() {},
    lastStatus: () => store.statuses.at(-1),
    putCommand(command) {
      store.commands.push(command);
      onCommand?.();
    },
  };
  return store;
}
