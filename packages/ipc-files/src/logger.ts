/** Where the library says what it did and why a read yielded nothing. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options shared by the readers and writers. */
export interface IpcOptions {
  /** @default a silent logger */
  logger?: Logger | undefined;
  /** Milliseconds since the epoch. @default Date.now */
  now?: (() => number) | undefined;
}

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export function loggerOf(options?: IpcOptions): Logger {
  return options?.logger ?? silentLogger;
}

export function nowOf(options?: IpcOptions): number {
  return (options?.now ?? Date.now)();
}
