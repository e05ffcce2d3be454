import type { Logger } from '@comfyvisor/ipc-files';
import { isoTime } from './utc-time.ts';

/** Where the supervisor reports what it does: the one Logger type, ipc-files'. */
export type { Logger };

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export interface ConsoleLoggerOptions {
  /**
   * `text`: `[comfyvisor] message` lines; `json`: one `{"time","level","msg"}` object a line
   * (ISO time; for log collectors). Config `log_format`. @default 'text'
   */
  format?: 'text' | 'json' | undefined;
  /** For `json` lines. @default Date.now */
  now?: (() => number) | undefined;
}

/** Lines on stderr from `level` up: prefixed `[comfyvisor]`, or JSON lines with `format: 'json'`. */
export function createConsoleLogger(
  level: string = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
  options: ConsoleLoggerOptions = {},
): Logger {
  const min = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]));
  const now = options.now ?? Date.now;
  const json = options.format === 'json';
  const at = (index: number) => {
    const name = LEVELS[index] as (typeof LEVELS)[number];
    const label = name === 'warn' ? 'warning' : name;
    return (message: string) => {
      if (index < min) return;
      write(
        json
          ? `${JSON.stringify({ time: isoTime(now()), level: name, msg: message })}\n`
          : `[comfyvisor]${name === 'info' ? '' : ` ${label}:`} ${message}\n`,
      );
    };
  };
  return { debug: at(0), info: at(1), warn: at(2), error: at(3) };
}
