import { inspectInstalled } from '@comfyvisor/venv';
import { askPythonForTorch } from './backend-flags.ts';
import type { LaunchTarget } from './launch-plan.ts';

/** Finds the torch version of an environment (null: none). */
export type TorchVersionOf = (target: LaunchTarget) => Promise<string | null>;

/**
 * The default: what the disk says (torch's dist-info, or that an isolated venv has no torch at
 * all: ~1 ms), else ask the environment's Python (~40-200 ms here, seconds with a real torch import).
 */
export const readTorchVersion: TorchVersionOf = async (target) => {
  const found = await inspectInstalled(target.venvDir, 'torch').catch(() => ({ kind: 'unknown' as const }));
  if (found.kind === 'version') return found.version;
  if (found.kind === 'absent') return null;
  return askPythonForTorch(target.python);
};

/** One answer per interpreter for the supervisor's life. */
export class TorchVersionCache {
  private readonly cache = new Map<string, Promise<string | null>>();
  constructor(private readonly read: TorchVersionOf = readTorchVersion) {}

  get(target: LaunchTarget): Promise<string | null> {
    let cached = this.cache.get(target.python);
    if (!cached) {
      cached = this.read(target);
      this.cache.set(target.python, cached);
    }
    return cached;
  }
}
