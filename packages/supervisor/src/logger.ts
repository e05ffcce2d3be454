/** Where the supervisor reports what it does. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Lines prefixed `[comfyvisor]` on stderr, from `level` up. */
export function createConsoleLogger(
  level: string = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const min = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]));
  const at = (index: number, name: string) => (message: string) => {
    if (index >= min) write(`[comfyvisor]${name === 'info' ? '' : ` ${name}:`} ${message}\n`);
  };
  return { debug: at(0, 'debug'), info: at(1, 'info'), warn: at(2, 'warning'), error: at(3, 'error') };
}

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
