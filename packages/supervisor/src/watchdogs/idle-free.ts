/**
 * `idle_free_s`: after this long with an empty queue, ask ComfyUI once to `POST /free` (unload its
 * models, free memory), which frees VRAM without a restart. A pure state machine fed with what is
 * seen of ComfyUI's queue (from `/queue`, the websocket, or the `got prompt` / `Prompt executed`
 * lines) and a monotonic clock:
 * - an idle spell begins at the first look that finds nothing running and nothing pending;
 * - `/free` is due once per idle spell, and never while a prompt runs or waits;
 * - after a `/free`, or in a ComfyUI just started, nothing is loaded: the next one is due only after
 *   a prompt has been seen.
 */
export interface IdleFree {
  /** A look at the queue. */
  observe(queue: { running: number; pending: number }): void;
  /** True when `/free` should be sent now; true once, then false until the next prompt and idle spell. */
  due(): boolean;
  /** Monotonic ms at which `due()` turns true if nothing else is seen, or null. For a timer. */
  dueAt(): number | null;
  /** A new ComfyUI process: nothing loaded, no spell under way. */
  reset(): void;
}

/** The body of the request, as the issue decides: both true. */
export const FREE_REQUEST_BODY = Object.freeze({ unload_models: true, free_memory: true });

export interface IdleFreeOptions {
  /** 0 is off: never due. */
  idleMs: number;
  /** Monotonic ms (the supervisor's clock). */
  now: () => number;
}

export function createIdleFree(options: IdleFreeOptions): IdleFree {
  let idleSince: number | null = null;
  /** A prompt has run since ComfyUI started or since the last `/free`. */
  let loaded = false;

  const dueAt = () =>
    options.idleMs > 0 && loaded && idleSince !== null ? idleSince + options.idleMs : null;

  return {
    observe({ running, pending }) {
      if (running > 0 || pending > 0) {
        loaded = true;
        idleSince = null;
      } else if (idleSince === null) {
        idleSince = options.now();
      }
    },
    due() {
      const at = dueAt();
      if (at === null || options.now() < at) return false;
      loaded = false;
      return true;
    },
    dueAt,
    reset() {
      idleSince = null;
      loaded = false;
    },
  };
}
