import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES, metadataDir } from '@comfyvisor/ipc-files';
import { readTailLines } from './read-tail.ts';

/** One entry of `GET /v2/workspace/debug/orchestrator-logs`, in the reference's shape (`LogEntry`). */
export interface LogEntry {
  timestamp: string;
  name: string;
  level: LogLevel;
  func: string;
  line: number;
  message: string;
}

export const LOG_LEVELS = ['ERROR', 'WARNING', 'INFO', 'DEBUG'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The reference's default number of lines. */
export const DEFAULT_LOG_LINES = 500;
/** The most lines one request gets. */
export const MAX_LOG_LINES = 10_000;
/** At most this much of the log's end is read (the lines asked for, or fewer when they are long). */
export const LOG_READ_BYTES = 4 * 1024 * 1024;

/**
 * The level of a raw line of orchestrator.log, guessed as the reference's `parse_raw_log_file`
 * does: `error`, `exception` or `traceback` anywhere is ERROR, then `warn` WARNING, then `debug`
 * DEBUG, else INFO (case-insensitive).
 */
export function guessLevel(line: string): LogLevel {
  const lower = line.toLowerCase();
  if (lower.includes('error') || lower.includes('exception') || lower.includes('traceback')) return 'ERROR';
  if (lower.includes('warn')) return 'WARNING';
  if (lower.includes('debug')) return 'DEBUG';
  return 'INFO';
}

/** `level` of the query as the filter takes it (`warn` is WARNING), or null for an unknown one. */
export function parseLevel(text: string): LogLevel | null {
  const upper = text.trim().toUpperCase();
  const level = upper === 'WARN' ? 'WARNING' : upper;
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : null;
}

export function orchestratorLogPath(workspace: string): string {
  return join(metadataDir(workspace), FILE_NAMES.log);
}

/**
 * The last `lines` lines of `.metadata/orchestrator.log` as the reference's entries, oldest first;
 * with `level`, only the lines of that level (the reference takes the parameter and ignores it).
 * Reads at most `maxBytes` of the file's end; a missing or odd file (a directory, FIFO, symlink)
 * is no lines.
 */
export async function readOrchestratorLogs(
  workspace: string,
  options: { lines?: number; level?: LogLevel | null; maxBytes?: number } = {},
): Promise<LogEntry[]> {
  const raw = (await readTailLines(orchestratorLogPath(workspace), options.maxBytes ?? LOG_READ_BYTES)) ?? [];
  const entries = raw.map(
    (message): LogEntry => ({
      timestamp: '',
      name: 'orchestrator',
      level: guessLevel(message),
      func: '',
      line: 0,
      message,
    }),
  );
  const kept = options.level ? entries.filter((e) => e.level === options.level) : entries;
  return kept.slice(-(options.lines ?? DEFAULT_LOG_LINES));
}

/** `GET .../orchestrator-logs/path`: where the log is and whether it is there. */
export function orchestratorLogLocation(workspace: string): { path: string; exists: boolean } {
  const path = orchestratorLogPath(workspace);
  return { path, exists: existsSync(path) };
}
