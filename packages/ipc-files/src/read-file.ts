import { basename } from 'node:path';
import * as v from 'valibot';
import { boundText, describeValue, parseJsonText } from './bounded-text.ts';
import { type IpcOptions, loggerOf } from './logger.ts';
import { READ_LIMITS, readRegularFile, type SafeRead } from './safe-read.ts';
import { removeEntry } from './set-aside.ts';

import type { TolerantRead } from './tolerant-read.ts';

export type { TolerantRead };

/** Parses and validates JSON text already read safely; says why (in a bounded line) when it cannot. */
export function parseJson<T>(read: SafeRead, schema: v.GenericSchema<unknown, T>): TolerantRead<T> {
  if (read.kind !== 'ok') return read;
  const parsed = parseJsonText(read.text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const result = v.safeParse(schema, parsed.value);
  if (!result.success) {
    const issue = result.issues[0];
    const where = issue ? v.getDotPath(issue) : null;
    const got = issue ? `, got ${describeValue(issue.input, 60)}` : '';
    return {
      kind: 'invalid',
      reason: `unexpected shape${where ? ` at ${boundText(where, 60)}` : ''}: ${boundText(issue?.expected ? `expected ${issue.expected}` : (issue?.message ?? ''), 80)}${got}`,
    };
  }
  return { kind: 'ok', value: result.output };
}

/** Reads (only a regular file, bounded), parses and validates a JSON file, logging why it yields nothing. */
export async function readJsonFile<T>(
  path: string,
  schema: v.GenericSchema<unknown, T>,
  options?: IpcOptions,
  maxBytes: number = READ_LIMITS.json,
): Promise<TolerantRead<T>> {
  const read = await readRegularFile(path, maxBytes);
  const result = parseJson(read, schema);
  report(path, result, options, read.kind === 'missing' ? undefined : read.id);
  return result;
}

const reported = new Map<string, string>();

/**
 * Logs why a read yielded nothing: a warning the first time this file is bad in this way, debug
 * lines after that (a bad file polled every second must not flood the log). One bounded line.
 */
export function report(
  path: string,
  result: { kind: string; reason?: string },
  options?: IpcOptions,
  id?: string,
): void {
  const logger = loggerOf(options);
  if (result.kind === 'missing') {
    logger.debug(`${basename(path)}: not there`);
    reported.delete(path);
  } else if (result.kind === 'invalid') {
    const line = `${basename(path)}: ignored, ${boundText(result.reason ?? 'invalid', 200)}`;
    const key = `${id ?? ''}\n${line}`;
    if (id !== undefined && reported.get(path) === key) logger.debug(line);
    else {
      if (reported.size > 200) reported.clear();
      reported.set(path, key);
      logger.warn(line);
    }
  } else reported.delete(path);
}

/** Removes a protocol file; never throws (a directory in its place is set aside). */
export async function removeFile(path: string, options?: IpcOptions): Promise<void> {
  await removeEntry(path, options);
}

/** A float-seconds wire timestamp as milliseconds. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000 * 1000) / 1000;
}

export const finiteNumber = v.pipe(v.number(), v.finite());
