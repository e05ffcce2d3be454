import type { Server } from 'node:http';
import { ControlPortInUseError } from './errors.ts';

/** A control port that could not be bound for a reason other than "in use" (EACCES, EADDRNOTAVAIL...). */
export class ControlPortBindError extends Error {
  override readonly name = 'ControlPortBindError';
  readonly code = 'CONTROL_PORT_BIND_FAILED';
}

/** Listens on `port` of `host`; resolves once bound, rejects with the system error. */
export type Listen = (server: Server, port: number, host: string) => Promise<void>;

const listen: Listen = (server, port, host) =>
  new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

/**
 * Binds a server from `make()` to 127.0.0.1 on the first free port of `range`. A port in use
 * (EADDRINUSE) moves on to the next; when none is free, {@link ControlPortInUseError}. Any other
 * error (EACCES on a privileged port, a bad port number...) stops at once with
 * {@link ControlPortBindError}: not a "no free port". Both keep the system error as `cause`.
 */
export async function bindFirstFree(
  make: () => Server,
  range: [number, number],
  options: { listen?: Listen | undefined } = {},
): Promise<Server> {
  let last: unknown;
  for (let port = range[0]; port <= range[1]; port++) {
    const server = make();
    try {
      await (options.listen ?? listen)(server, port, '127.0.0.1');
      return server;
    } catch (error) {
      server.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE')
        throw new ControlPortBindError(
          `could not bind the control API to 127.0.0.1:${port} (${code ?? (error as Error).message})`,
          { cause: error },
        );
      last = error;
    }
  }
  throw new ControlPortInUseError(
    `no free control port in ${range[0]}-${range[1]} (set orchestrator.control_port_range in orchestrator_config.json)`,
    { cause: last },
  );
}
