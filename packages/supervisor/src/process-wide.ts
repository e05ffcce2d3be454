import type { Logger } from './logger.ts';

/** Stops whatever it serves on a signal; a second one may force it. */
export interface SignalTarget {
  signal(signal: NodeJS.Signals): void;
  forceKill(): void;
}

/**
 * The process's SIGTERM, SIGINT and SIGHUP handlers, one set for every supervisor of the process
 * (the composition root's: `run` has one, a worker many). A second SIGINT kills ComfyUI at once.
 * Returns the function that removes them.
 */
export function handleSignals(targets: () => Iterable<SignalTarget>, logger: Logger): () => void {
  let count = 0;
  const handlers: Array<[NodeJS.Signals, () => void]> = [];
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const handler = () => {
      count++;
      const force = count > 1 && signal === 'SIGINT';
      if (force) logger.warn('second interrupt: killing ComfyUI now');
      for (const target of targets()) {
        if (force) target.forceKill();
        target.signal(signal);
      }
    };
    process.on(signal, handler);
    handlers.push([signal, handler]);
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
