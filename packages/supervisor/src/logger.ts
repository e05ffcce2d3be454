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

/** Is this UTF-16 code unit one a log line must not carry as it is? */
function unprintable(code: number, text: string, i: number): boolean {
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return true;
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff); // a high surrogate alone
  }
  if (code >= 0xdc00 && code <= 0xdfff) {
    const previous = text.charCodeAt(i - 1);
    return !(previous >= 0xd800 && previous <= 0xdbff); // a low surrogate alone
  }
  return false;
}

/**
 * A message made one printable line: control characters (tab and newline included, C1 too), the
 * line and paragraph separators and lone surrogates become `\xNN` / `\uNNNN`, so bytes quoted from
 * a bad file or a request can neither break a line nor make `grep` call the log binary.
 */
export function escapeForLog(message: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < message.length; i++) {
    const code = message.charCodeAt(i);
    if (!unprintable(code, message, i)) continue;
    const hex = code.toString(16).padStart(code <= 0xff ? 2 : 4, '0');
    out += `${message.slice(from, i)}${code <= 0xff ? '\\x' : '\\u'}${hex}`;
    from = i + 1;
  }
  return from === 0 ? message : out + message.slice(from);
}

/**
 * Lines on stderr from `level` up: prefixed `[comfyvisor]`, or JSON lines with `format: 'json'`.
 * The one place our log lines are formatted: whatever a message quotes is escaped here
 * ({@link escapeForLog}; JSON lines escape by JSON's rules).
 */
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
          : `[comfyvisor]${name === 'info' ? '' : ` ${label}:`} ${escapeForLog(message)}\n`,
      );
    };
  };
  return { debug: at(0), info: at(1), warn: at(2), error: at(3) };
}
