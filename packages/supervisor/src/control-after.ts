import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SupervisorCommand } from './supervisor-command.ts';

/** Whether the peer of a connection is ComfyUI (or one of its children); null when it cannot be known. */
export type PeerCheck = (socket: { localPort: number; remotePort: number }) => Promise<boolean | null>;

/** Runs `act` after `ms`. @default an unref'd setTimeout */
export type Later = (act: () => void, ms: number) => void;

const unrefTimeout: Later = (act, ms) => {
  setTimeout(act, ms).unref();
};

/** How long a command acted on covers the same command asked again for the same ComfyUI. */
const MERGE_WINDOW_MS = 10_000;

/**
 * Who called a command: asked while the caller is still connected (before the answer is sent: a
 * client that closes right after reading, as curl and urllib do, leaves no socket to look up
 * later). A lookup reads the process table (/proc/net/tcp whole, ComfyUI's fds), so a storm of
 * `POST /restart` must not read it once per request. Lookups run one at a time, and none is needed:
 * - while the same command's lookup runs: the request shares its answer;
 * - once the same command is acted on at once (a caller not ComfyUI) or has been handed to the
 *   supervisor, for the ComfyUI still running: the supervisor merges it into that restart or stop,
 *   which ends this ComfyUI for every caller alike, so it is acted on at once (for
 *   {@link MERGE_WINDOW_MS}: a command the supervisor could not act on does not cover later ones).
 * A check that throws means "unknown".
 */
export function createCallerLookup(peerIsComfyui: PeerCheck | undefined, comfyuiPid: () => number | null) {
  let queue: Promise<unknown> = Promise.resolve();
  const inFlight = new Map<string, Promise<boolean | null>>();
  /** The ComfyUI each command was last acted on for, and when (ms, monotonic). */
  const handedOver = new Map<string, { pid: number | null; at: number }>();
  const coveredBy = (command: string, pid: number) => {
    const last = handedOver.get(command);
    return last !== undefined && last.pid === pid && performance.now() - last.at < MERGE_WINDOW_MS;
  };
  return {
    lookUp(req: IncomingMessage, command: string): Promise<boolean | null> {
      if (!peerIsComfyui) return Promise.resolve(null);
      const pid = comfyuiPid();
      if (pid !== null && coveredBy(command, pid)) return Promise.resolve(false);
      const shared = inFlight.get(command);
      if (shared) return shared;
      const { localPort = 0, remotePort = 0 } = req.socket;
      const lookup = queue.then(() => peerIsComfyui({ localPort, remotePort }).catch(() => null));
      queue = lookup;
      inFlight.set(command, lookup);
      void lookup.then((fromComfyui) => {
        inFlight.delete(command);
        // Acted on at once: the same command asked again while this ComfyUI runs is merged into it.
        if (fromComfyui === false && pid !== null) handedOver.set(command, { pid, at: performance.now() });
      });
      return lookup;
    },
    /** `command` has been handed to the supervisor while this ComfyUI runs. */
    handedOver(command: string): void {
      handedOver.set(command, { pid: comfyuiPid(), at: performance.now() });
    },
  };
}

/**
 * Acts on `command` once its answer has been flushed: at once for a caller known not to be
 * ComfyUI, `delayMs` later for ComfyUI's own process (the panel's proxy must relay the answer
 * before ComfyUI stops) or a caller that could not be told.
 */
export function actAfterAnswer(
  res: ServerResponse,
  command: SupervisorCommand,
  fromComfyui: boolean | null,
  act: (command: SupervisorCommand) => void,
  options: { delayMs: number; later?: Later | undefined },
): void {
  res.once('finish', () => {
    if (fromComfyui === false) act(command);
    else (options.later ?? unrefTimeout)(() => act(command), options.delayMs);
  });
}
