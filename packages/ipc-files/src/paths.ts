import { join } from 'node:path';

/** The file names of the `.metadata/` protocol (wire). */
export const FILE_NAMES = {
  switchRequest: '.switch_request.json',
  switchStatus: '.switch_status.json',
  pid: '.orchestrator.pid',
  lock: '.switch.lock',
  startupState: '.startup_state.json',
  command: '.cmd',
  controlPort: '.control_port',
  config: 'orchestrator_config.json',
  log: 'orchestrator.log',
  /** ours: ComfyUI's stdout and stderr, written by the supervisor */
  comfyuiLog: 'comfyui.log',
  /** ours: one JSON object per line, what the supervisor did (see `appendEvent`) */
  events: 'events.jsonl',
} as const;

/** `<workspace>/.metadata`, where every protocol file lives. */
export function metadataDir(workspaceRoot: string): string {
  return join(workspaceRoot, '.metadata');
}
