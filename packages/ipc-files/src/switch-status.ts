import { join } from 'node:path';
import * as v from 'valibot';
import { writeFileAtomic } from './atomic-write.ts';
import { type IpcOptions, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { finiteNumber, readJsonFile, removeFile, secondsToMs } from './read-file.ts';
import type { TolerantRead } from './tolerant-read.ts';

export const SWITCH_STATES = [
  'preparing',
  'syncing',
  'starting',
  'validating',
  'complete',
  'rolling_back',
  'rolled_back',
  'failed',
  'aborted',
  'recovering',
  'critical_failure',
] as const;
export type SwitchState = (typeof SWITCH_STATES)[number];

/** The progress each state carries (wire). */
export const SWITCH_PROGRESS: Readonly<Record<SwitchState, number>> = Object.freeze({
  preparing: 10,
  syncing: 30,
  starting: 60,
  validating: 80,
  complete: 100,
  rolling_back: 90,
  rolled_back: 100,
  failed: 100,
  aborted: 100,
  recovering: 50,
  critical_failure: 100,
});

/** How a switch of ours ends (wire states; `aborted`: a manual restart took over the switch). */
export const SWITCH_OUTCOMES = ['complete', 'rolled_back', 'critical_failure', 'aborted'] as const;
export type SwitchOutcome = (typeof SWITCH_OUTCOMES)[number];

/** The states after which nothing more happens for this switch: ours, and an older supervisor's `failed`. */
export const FINAL_SWITCH_STATES: ReadonlySet<string> = new Set([...SWITCH_OUTCOMES, 'failed']);

/** The only states on which the panel's frontend stops polling: every switch ends in one. */
export const PANEL_FINAL_STATES: ReadonlySet<string> = new Set([
  'complete',
  'rolled_back',
  'critical_failure',
]);

/** `.switch_status.json`: what the supervisor is doing, for the panel to poll. */
export interface SwitchStatus {
  /** One of ours, or whatever another writer put there (passed through as it is). */
  state: SwitchState | (string & {});
  progress: number;
  message: string;
  /** ms since the epoch */
  updatedAt: number;
  targetEnv?: string | null | undefined;
  sourceEnv?: string | null | undefined;
  error?: string | null | undefined;
  /** Any other fields, written after the known ones. */
  extra?: Record<string, unknown> | undefined;
}

/** The known fields' types (wire); anything else in the object is passed through as it is. */
const percent = v.pipe(finiteNumber, v.minValue(0), v.maxValue(100));
const wireFields = {
  /** Any string: a state of another writer is passed through. */
  state: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  progress: v.optional(percent),
  message: v.optional(v.string()),
  updated_at: v.optional(finiteNumber),
  target_env: v.optional(v.nullable(v.string())),
  source_env: v.optional(v.nullable(v.string())),
  error: v.optional(v.nullable(v.string())),
};

/** The file as it is (no defaults filled in): for the control API, the panel's routes, the CLI. */
const rawWireSchema = v.looseObject(wireFields);

const wireSchema = v.looseObject({
  ...wireFields,
  progress: v.optional(percent, 0),
  message: v.optional(v.string(), ''),
  updated_at: v.optional(finiteNumber, 0),
});

/** The JSON object as it is on disk and on the control API. */
export function switchStatusToWire(status: SwitchStatus): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    state: status.state,
    progress: status.progress,
    message: status.message,
    updated_at: status.updatedAt / 1000,
  };
  if (status.targetEnv !== undefined) wire.target_env = status.targetEnv;
  if (status.sourceEnv !== undefined) wire.source_env = status.sourceEnv;
  if (status.error !== undefined) wire.error = status.error;
  for (const [key, value] of Object.entries(status.extra ?? {})) {
    if (!(key in wire)) wire[key] = value;
  }
  return wire;
}

export async function writeSwitchStatus(
  dir: string,
  status: Omit<SwitchStatus, 'updatedAt' | 'progress' | 'state'> & {
    state: SwitchState;
    progress?: number | undefined;
  },
  options?: IpcOptions,
): Promise<SwitchStatus> {
  const full: SwitchStatus = {
    ...status,
    progress: status.progress ?? SWITCH_PROGRESS[status.state],
    updatedAt: nowOf(options),
  };
  await writeFileAtomic(
    join(dir, FILE_NAMES.switchStatus),
    toPythonJson(switchStatusToWire(full), 2),
    options,
  );
  return full;
}

export async function readSwitchStatus(dir: string, options?: IpcOptions): Promise<SwitchStatus | null> {
  const result = await readJsonFile(join(dir, FILE_NAMES.switchStatus), wireSchema, options);
  if (result.kind !== 'ok') return null;
  const { state, progress, message, updated_at, target_env, source_env, error, ...extra } = result.value;
  const status: SwitchStatus = { state, progress, message, updatedAt: secondsToMs(updated_at) };
  if (target_env !== undefined) status.targetEnv = target_env;
  if (source_env !== undefined) status.sourceEnv = source_env;
  if (error !== undefined) status.error = error;
  if (Object.keys(extra).length > 0) status.extra = extra;
  return status;
}

export async function removeSwitchStatus(dir: string, options?: IpcOptions): Promise<void> {
  await removeFile(join(dir, FILE_NAMES.switchStatus), options);
}

/** `.switch_status.json` as it is on disk: wire names, any string state, every other field. */
/**
 * `.switch_status.json` as read (wire names): the known fields checked, the rest passed through.
 * Written out rather than inferred from the schema, so the declarations carry no valibot types
 * (a consumer on an older TypeScript cannot compile valibot's).
 */
export interface SwitchStatusWire {
  state: string;
  progress?: number | undefined;
  message?: string | undefined;
  updated_at?: number | undefined;
  target_env?: string | null | undefined;
  source_env?: string | null | undefined;
  error?: string | null | undefined;
  [key: string]: unknown;
}

/**
 * The one reader of `.switch_status.json` as it is on disk, wire names and any state (a
 * `rolled_back` of the Python supervisor stays `rolled_back`): for the control API, the panel's
 * routes and the CLI. The known fields must have their types (`state` a string, `progress` a number
 * from 0 to 100, `message` a string...), else the file is invalid, logged once as
 * {@link readSwitchStatus} does (the same rules: what one serves, the other accepts).
 */
export function inspectSwitchStatusWire(
  dir: string,
  options?: IpcOptions,
): Promise<TolerantRead<SwitchStatusWire>> {
  return readJsonFile(join(dir, FILE_NAMES.switchStatus), rawWireSchema, options) as Promise<
    TolerantRead<SwitchStatusWire>
  >;
}
