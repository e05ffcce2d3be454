import { join } from 'node:path';
import * as v from 'valibot';
import { writeFileAtomic } from './atomic-write.ts';
import { type IpcOptions, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { finiteNumber, readJsonFile, removeFile, secondsToMs } from './read-file.ts';

/** `.switch_request.json`: the panel asks the supervisor to move ComfyUI to `targetEnv`. */
export interface SwitchRequest {
  targetEnv: string;
  sourceEnv: string | null;
  /** ms since the epoch */
  timestamp: number;
}

/**
 * Only `target_env` matters: `source_env` that is absent or not a non-empty string reads as null,
 * and `timestamp` may be missing or of any type (the Python side never reads it; 0 then).
 */
const wireSchema = v.looseObject({
  target_env: v.pipe(v.string(), v.minLength(1)),
  source_env: v.fallback(v.nullable(v.pipe(v.string(), v.minLength(1))), null),
  timestamp: v.fallback(finiteNumber, 0),
});

export async function writeSwitchRequest(
  dir: string,
  request: { targetEnv: string; sourceEnv?: string | null | undefined },
  options?: IpcOptions,
): Promise<SwitchRequest> {
  const timestamp = nowOf(options);
  const wire = {
    target_env: request.targetEnv,
    source_env: request.sourceEnv ?? null,
    timestamp: timestamp / 1000,
  };
  await writeFileAtomic(join(dir, FILE_NAMES.switchRequest), toPythonJson(wire, 2), options);
  return { targetEnv: request.targetEnv, sourceEnv: request.sourceEnv ?? null, timestamp };
}

/** Tells a missing request from one that is there but unusable (so the supervisor can say why). */
export async function inspectSwitchRequest(
  dir: string,
  options?: IpcOptions,
): Promise<
  { kind: 'missing' } | { kind: 'invalid'; reason: string } | { kind: 'ok'; request: SwitchRequest }
> {
  const result = await readJsonFile(join(dir, FILE_NAMES.switchRequest), wireSchema, options);
  if (result.kind !== 'ok') return result;
  const { target_env, source_env, timestamp } = result.value;
  return {
    kind: 'ok',
    request: { targetEnv: target_env, sourceEnv: source_env ?? null, timestamp: secondsToMs(timestamp) },
  };
}

export async function readSwitchRequest(dir: string, options?: IpcOptions): Promise<SwitchRequest | null> {
  const result = await inspectSwitchRequest(dir, options);
  return result.kind === 'ok' ? result.request : null;
}

export async function removeSwitchRequest(dir: string, options?: IpcOptions): Promise<void> {
  await removeFile(join(dir, FILE_NAMES.switchRequest), options);
}
