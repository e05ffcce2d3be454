import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import * as v from 'valibot';
import { type IpcOptions, loggerOf } from './logger.ts';

export type TolerantRead<T> =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; value: T };

/** Reads a text file: missing or unreadable is a value, never a throw. */
export async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export function readTextSync(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Parses and validates JSON text; says why when it cannot. */
export function parseJson<T>(text: string | null, schema: v.GenericSchema<unknown, T>): TolerantRead<T> {
  if (text === null) return { kind: 'missing' };
  if (text.trim() === '') return { kind: 'invalid', reason: 'the file is empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', reason: `not valid JSON (${(error as Error).message})` };
  }
  const result = v.safeParse(schema, data);
  if (!result.success) {
    const issue = result.issues[0];
    const where = issue ? v.getDotPath(issue) : null;
    return {
      kind: 'invalid',
      reason: `unexpected shape${where ? ` at ${where}` : ''}: ${issue?.message ?? ''}`,
    };
  }
  return { kind: 'ok', value: result.output };
}

/** Reads, parses and validates a JSON file, logging why it yields null. */
export async function readJsonFile<T>(
  path: string,
  schema: v.GenericSchema<unknown, T>,
  options?: IpcOptions,
): Promise<TolerantRead<T>> {
  const result = parseJson(await readText(path), schema);
  report(path, result, options);
  return result;
}

export function report(path: string, result: TolerantRead<unknown>, options?: IpcOptions): void {
  const logger = loggerOf(options);
  if (result.kind === 'missing') logger.debug(`${basename(path)}: not there`);
  else if (result.kind === 'invalid') logger.warn(`${basename(path)}: ignored, ${result.reason}`);
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** A float-seconds wire timestamp as milliseconds. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000 * 1000) / 1000;
}

export const finiteNumber = v.pipe(v.number(), v.finite());
