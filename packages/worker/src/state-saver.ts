import type { Instance } from './instance.ts';
import { writeStateFile } from './state-file.ts';

export interface StateSaver {
  /** Writes the current instances soon; resolves once a write that includes this change is done. */
  save(): Promise<void>;
}

/**
 * Serialises writes of instances.json: one write at a time, and changes made during a write are
 * folded into the next one, so a burst of state changes costs at most two writes. A failed write
 * is reported (never thrown) and retried at the next change.
 */
export function createStateSaver(
  stateDir: string,
  snapshot: () => Instance[],
  onError: (error: unknown) => void,
): StateSaver {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const write = () =>
    writeStateFile(stateDir, snapshot()).catch((error: unknown) => {
      onError(error);
    });
  return {
    save() {
      if (!running) {
        running = write().finally(() => {
          running = null;
        });
        return running;
      }
      if (!next) {
        next = running.then(() => {
          next = null;
          running = write().finally(() => {
            running = null;
          });
          return running;
        });
      }
      return next;
    },
  };
}
