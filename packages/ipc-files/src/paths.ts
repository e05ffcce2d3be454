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
} as const;

/** `<workspace>/.metadata`, where every protocol file lives. */
export function metadataDir(workspaceRoot: string): string {
  return join(workspaceRoot, '.metadata');
}
