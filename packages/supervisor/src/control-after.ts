import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SupervisorCommand } from './supervisor-command.ts';

/** Whether the peer of a connection is ComfyUI (or one of its children); null when it cannot be known. */
export type PeerCheck = (socket: { localPort: number; remotePort: number }) => Promise<boolean | null>;

/** Runs `act` after `ms`. @default an unref'd setTimeout */
export type Later = (act: () => void, ms: number) => void;

const unrefTimeout: Later = (act, ms) => {
  setTimeout(act, ms).unref();
};

/** At most this many caller lookups read /proc at once; the others wait their turn. */
const LOOKUPS_AT_ONCE = 2;

/**
 * Who called: asked while the caller is still connected (before the answer is sent: a client
 * that closes right after reading, as curl and urllib do, leaves no socket to look up later).
 * Lookups run {@link LOOKUPS_AT_ONCE} at a time, so a storm of requests does not read the process
 * table eight times over at once. A check that throws means "unknown".
 */
export function createCallerLookup(peerIsComfyui: PeerCheck | undefined) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async (req: IncomingMessage): Promise<boolean | null> => {
    if (!peerIsComfyui) return null;
    if (running >= LOOKUPS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      const { localPort = 0, remotePort = 0 } = req.socket;
      return await peerIsComfyui({ localPort, remotePort }).catch(() => null);
    } finally {
      release();
    }
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
