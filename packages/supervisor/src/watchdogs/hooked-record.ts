import type { Logger } from '../logger.ts';
import type { Settings } from '../settings.ts';
import type { RecordEvent } from '../supervisor-event.ts';
import { createHookRunner } from './hooks.ts';

/** A record chain with config `hooks` on it, and how to end them when the supervisor ends. */
export interface HookedRecord {
  record: RecordEvent;
  /**
   * At the supervisor's end: after a `give_up` the hooks under way are waited for (so the page
   * goes out before the process exits), otherwise they are killed.
   */
  finish(): Promise<void>;
}

/** Hands every event to `record` (when given) and to the config's hooks, off the caller's path. */
export function hookedRecord(
  record: RecordEvent | undefined,
  settings: Pick<Settings, 'hooks'>,
  options: { logger: Logger; env?: NodeJS.ProcessEnv | undefined; now?: (() => number) | undefined },
): HookedRecord {
  const hooks = createHookRunner(settings.hooks, options);
  let gaveUp = false;
  return {
    record: (event) => {
      if (event.type === 'give_up') gaveUp = true;
      try {
        record?.(event);
      } finally {
        hooks(event);
      }
    },
    finish: () => (gaveUp ? hooks.flush() : hooks.stop()),
  };
}
