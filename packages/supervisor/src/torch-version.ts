import { readInstalledVersion } from '@comfyvisor/venv';
import { askPythonForTorch } from './backend-flags.ts';
import type { LaunchTarget } from './launch-plan.ts';

/** Finds the torch version of an environment (null: none). */
export type TorchVersionOf = (target: LaunchTarget) => Promise<string | null>;

/**
 * The default: the installed package's metadata on disk (its dist-info, ~1 ms), else ask the
 * environment's Python (~200 ms here, seconds with a real torch import).
 */
export const readTorchVersion: TorchVersionOf = async (target) =>
  (await readInstalledVersion(target.venvDir, 'torch').catch(() => null)) ?? askPythonForTorch(target.python);

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
