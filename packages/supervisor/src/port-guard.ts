import { type Clock, probeTcp, systemClock } from '@comfyvisor/health';
import { PortBusyError } from './errors.ts';
import type { Logger } from './logger.ts';

/** What to do when ComfyUI's port already answers before the first start. */
export type PortBusyPolicy = 'refuse' | 'wait';

/** Someone listening on the port. */
export interface PortHolder {
  pid: number;
  commandLine: string[];
  /** A ComfyUI of this workspace that an earlier supervisor left behind. */
  orphan: boolean;
}

export interface PortGuardOptions {
  host: string;
  port: number;
  /** @default 'refuse' */
  policy: PortBusyPolicy;
  /** How long 'wait' waits for the port to be released. @default 30000 */
  waitMs: number;
  logger: Logger;
  clock?: Clock | undefined;
  signal?: AbortSignal | undefined;
  /** @default a TCP connect with a 1 s timeout */
  isBusy?: ((host: string, port: number) => Promise<boolean>) | undefined;
  /** Who listens on the port (empty when it cannot be known). */
  findHolders?: ((port: number) => Promise<PortHolder[]>) | undefined;
  /** Stops an orphaned ComfyUI of this workspace; resolves once it is gone. */
  stopOrphan?: ((holder: PortHolder) => Promise<void>) | undefined;
}

/** A command line as one bounded line (arguments may hold newlines). */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// a refused connect on loopback is immediate: the bound only matters for a filtered port, and a
// loaded machine can run the timer before the connect, so it is not tight
const defaultIsBusy = async (host: string, port: number) => (await probeTcp(host, port, 1_000)).ok;

/**
 * The one port check before ComfyUI's first start. A ComfyUI of this workspace left by an earlier
 * supervisor is stopped (the log names its pid); anyone else is named in one line, then
 * 'refuse' throws PortBusyError and 'wait' waits for the port to be released (the unsupervised
 * ComfyUI that asked a lazily spawned supervisor for a switch is exiting with 43).
 */
export async function guardPort(options: PortGuardOptions): Promise<void> {
  const isBusy = options.isBusy ?? defaultIsBusy;
  const clock = options.clock ?? systemClock;
  const { host, port, logger } = options;
  if (!(await isBusy(host, port))) return;
  const holders = (await options.findHolders?.(port).catch(() => [])) ?? [];
  for (const holder of holders.filter((h) => h.orphan)) {
    logger.warn(
      `port ${port} is held by pid ${holder.pid}, a ComfyUI an earlier supervisor left behind; stopping it`,
    );
    await options.stopOrphan?.(holder);
  }
  const others = holders.filter((h) => !h.orphan);
  const who = others.length
    ? others.map((h) => `pid ${h.pid} (${oneLine(h.commandLine.join(' '), 160)})`).join(', ')
    : 'a process we cannot see';
  // the orphans are gone: their port is released as the kernel closes their sockets, a moment later
  if (others.length === 0 && holders.length > 0 && (await released(isBusy, host, port, clock))) return;
  if (options.policy === 'refuse') {
    if (!(await isBusy(host, port))) return;
    throw new PortBusyError(
      `port ${port} is already in use on ${host} by ${who} (is ComfyUI already running? pass another --port after --args)`,
    );
  }
  logger.info(
    `port ${port} is in use by ${who}; waiting up to ${Math.round(options.waitMs / 1000)} s for it`,
  );
  const deadline = clock.now() + options.waitMs;
  while (clock.now() < deadline && !options.signal?.aborted) {
    await clock.sleep(100, options.signal);
    if (!(await isBusy(host, port))) return;
  }
  logger.warn(`port ${port} is still in use after ${Math.round(options.waitMs / 1000)} s; starting anyway`);
}

/** Whether the port is free within 5 s (looked at every 50 ms). */
async function released(
  isBusy: (host: string, port: number) => Promise<boolean>,
  host: string,
  port: number,
  clock: Clock,
): Promise<boolean> {
  const deadline = clock.now() + 5_000;
  do {
    if (!(await isBusy(host, port))) return true;
    await clock.sleep(50);
  } while (clock.now() < deadline);
  return false;
}
