import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { parseJsonText } from './bounded-text.ts';
import { build } from './config.ts';
import type { IpcOptions } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { READ_LIMITS, readRegularFile } from './safe-read.ts';

/** The file's JSON object as on disk (snake_case keys, unknown ones included). */
export type ConfigWire = Record<string, unknown>;

export type ConfigUpdate =
  | { ok: true; wire: ConfigWire }
  /** `unreadable`: the file is corrupt or not a regular file (left alone); `invalid`: the change was refused. */
  | { ok: false; reason: 'unreadable' | 'invalid'; message: string };

const MAX_ARGS = 100;
const MAX_ARG_CHARS = 1000;

/**
 * Why `value` cannot be ComfyUI's extra arguments (`comfyui.extra_args`, an environment's
 * `extra_args`) as a person saves them, or null: a list of at most 100 strings, each an argument
 * (it starts with `-`) or the value right after one, none empty, over 1000 characters, or holding
 * a newline or NUL.
 */
export function extraArgsRefusal(value: unknown): string | null {
  if (!Array.isArray(value)) return 'not a list of strings';
  if (value.length > MAX_ARGS) return `more than ${MAX_ARGS} arguments`;
  for (const [index, arg] of value.entries()) {
    if (typeof arg !== 'string') return `item ${index + 1} is not a string`;
    if (arg === '' || arg.length > MAX_ARG_CHARS)
      return `item ${index + 1} is empty or longer than ${MAX_ARG_CHARS} characters`;
    if (/[\0\r\n]/.test(arg)) return `item ${index + 1} holds a newline or NUL`;
    const previous = value[index - 1];
    const afterFlag = typeof previous === 'string' && previous.startsWith('-');
    if (!arg.startsWith('-') && !afterFlag)
      return `item ${index + 1} ("${arg.slice(0, 40)}") is not an argument: arguments start with "-", a value follows one`;
  }
  return null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every extra-args list of a wire config, by where it is. */
function argLists(wire: ConfigWire): Map<string, unknown> {
  const lists = new Map<string, unknown>();
  if (isObject(wire.comfyui) && wire.comfyui.extra_args !== undefined)
    lists.set('comfyui.extra_args', wire.comfyui.extra_args);
  if (isObject(wire.environments)) {
    for (const [name, entry] of Object.entries(wire.environments))
      if (isObject(entry) && entry.extra_args !== undefined)
        lists.set(`environments.${JSON.stringify(name)}.extra_args`, entry.extra_args);
  }
  return lists;
}

/** What the loader would refuse or drop in `wire`, plus the extra-args rule, one line each. */
function problemsOf(wire: ConfigWire): string[] {
  const problems: string[] = [];
  build(wire, (message) => problems.push(message.replace(/; using .*$/, '')));
  for (const [where, list] of argLists(wire)) {
    const why = extraArgsRefusal(list);
    if (why !== null) problems.push(`${where}: ${why}`);
  }
  return problems;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Changes `orchestrator_config.json` as a person would by hand: `change` gets the file's JSON
 * object as on disk (`{}` when there is none) and returns the new one, which is written atomically
 * (two-space indent) with everything it did not touch kept as it was (no defaults filled in).
 * Refused, with nothing written, when the change brings a problem the file did not have: a value
 * the loader would refuse or drop (the rules of `loadConfig`, config-schema.ts), or extra args
 * that are not arguments ({@link extraArgsRefusal}). A corrupt file is left alone (`unreadable`).
 * Updates of one process are serialised. Throws only when the write fails (`IpcError` `WRITE_FAILED`).
 */
export function updateConfig(
  dir: string,
  change: (wire: ConfigWire) => ConfigWire,
  options?: IpcOptions,
): Promise<ConfigUpdate> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => applyUpdate(dir, change, options));
  queues.set(dir, next);
  void next
    .finally(() => {
      if (queues.get(dir) === next) queues.delete(dir);
    })
    .catch(() => {});
  return next;
}

async function applyUpdate(
  dir: string,
  change: (wire: ConfigWire) => ConfigWire,
  options?: IpcOptions,
): Promise<ConfigUpdate> {
  const path = join(dir, FILE_NAMES.config);
  const read = await readRegularFile(path, READ_LIMITS.json);
  let old: ConfigWire = {};
  if (read.kind === 'invalid') return unreadable(read.reason);
  if (read.kind === 'ok') {
    const parsed = parseJsonText(read.text);
    if (!parsed.ok) return unreadable(parsed.reason);
    if (!isObject(parsed.value)) return unreadable('not a JSON object');
    old = parsed.value;
  }
  const before = new Set(problemsOf(old));
  const wire = change(structuredClone(old));
  const added = problemsOf(wire).filter((problem) => !before.has(problem));
  if (added.length > 0) {
    const more = added.length > 1 ? ` (and ${added.length - 1} more)` : '';
    return { ok: false, reason: 'invalid', message: `${added[0]}${more}` };
  }
  await writeFileAtomic(path, toPythonJson(wire, 2), options);
  return { ok: true, wire };
}

function unreadable(why: string): ConfigUpdate {
  return {
    ok: false,
    reason: 'unreadable',
    message: `${FILE_NAMES.config} cannot be read (${why}); fix or remove it by hand first`,
  };
}
