import { findOrphans } from '@comfyvisor/detection';
import type { Clock, ComfyuiAddress } from '@comfyvisor/health';
import { findPortListeners } from '@comfyvisor/processes';
import type { Logger } from './logger.ts';
import { guardPort, type PortHolder } from './port-guard.ts';
import type { Settings } from './settings.ts';
import { stopOrphans } from './stop-orphans.ts';

/** Who listens on ComfyUI's port; a ComfyUI an earlier supervisor of this workspace left is an orphan. */
async function portHolders(workspace: string, port: number): Promise<PortHolder[]> {
  const [listeners, orphans] = await Promise.all([findPortListeners(port), findOrphans(workspace)]);
  return listeners.map((listener) => {
    const orphan = orphans.find((o) => o.pid === listener.pid || o.descendants.includes(listener.pid));
    return orphan
      ? { pid: orphan.pid, commandLine: orphan.commandLine, orphan: true }
      : { pid: listener.pid, commandLine: listener.commandLine, orphan: false };
  });
}

/**
 * The port check before the first start: up front when a busy port refuses the start, beside the
 * first sync when it waits for the port to be released (a lazily spawned supervisor's case).
 */
export function portCheck(
  options: { workspace: string; clock?: Clock | undefined },
  settings: Settings,
  logger: Logger,
  address: ComfyuiAddress,
) {
  const check = (signal?: AbortSignal) =>
    guardPort({
      host: address.host,
      port: address.port,
      policy: settings.portBusy,
      waitMs: settings.portWaitMs,
      logger,
      clock: options.clock,
      signal,
      findHolders: (port) => portHolders(options.workspace, port),
      stopOrphan: async (holder) => {
        const orphans = (await findOrphans(options.workspace)).filter((o) => o.pid === holder.pid);
        await stopOrphans(orphans, settings.stopGraceMs);
      },
    });
  const upFront = settings.portBusy === 'refuse' ? check() : Promise.resolve();
  upFront.catch(() => {}); // awaited by the caller, after the control server is bound beside it
  return { upFront, beforeFirstStart: settings.portBusy === 'wait' ? check : undefined };
}
