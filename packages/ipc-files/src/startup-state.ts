import { join } from 'node:path';
import * as v from 'valibot';
import { writeFileAtomic } from './atomic-write.ts';
import { type IpcOptions, nowOf } from './logger.ts';
import { FILE_NAMES } from './paths.ts';
import { toPythonJson } from './python-json.ts';
import { finiteNumber, readJsonFile, secondsToMs } from './read-file.ts';

/** `.startup_state.json`: how ComfyUI was started (written by ComfyUI's side). */
export interface StartupState {
  /** ms since the epoch */
  timestamp: number;
  pythonExecutable: string;
  workingDirectory: string;
  argv: string[];
  environmentName: string | null;
  workspaceRoot: string | null;
  port: number | null;
}

const wireSchema = v.object({
  timestamp: v.optional(finiteNumber, 0),
  python_executable: v.optional(v.string(), ''),
  working_directory: v.optional(v.string(), ''),
  argv: v.optional(v.array(v.string()), []),
  environment_name: v.optional(v.nullable(v.string()), null),
  workspace_root: v.optional(v.nullable(v.string()), null),
  port: v.optional(v.nullable(v.pipe(v.number(), v.integer())), null),
});

export async function writeStartupState(
  dir: string,
  state: Omit<StartupState, 'timestamp'>,
  options?: IpcOptions,
): Promise<StartupState> {
  const timestamp = nowOf(options);
  const wire = {
    timestamp: timestamp / 1000,
    python_executable: state.pythonExecutable,
    working_directory: state.workingDirectory,
    argv: state.argv,
    environment_name: state.environmentName,
    workspace_root: state.workspaceRoot,
    port: state.port,
  };
  await writeFileAtomic(join(dir, FILE_NAMES.startupState), toPythonJson(wire, 2), options);
  return { ...state, timestamp };
}

export async function readStartupState(dir: string, options?: IpcOptions): Promise<StartupState | null> {
  const result = await readJsonFile(join(dir, FILE_NAMES.startupState), wireSchema, options);
  if (result.kind !== 'ok') return null;
  const w = result.value;
  return {
    timestamp: secondsToMs(w.timestamp),
    pythonExecutable: w.python_executable,
    workingDirectory: w.working_directory,
    argv: w.argv,
    environmentName: w.environment_name,
    workspaceRoot: w.workspace_root,
    port: w.port,
  };
}
