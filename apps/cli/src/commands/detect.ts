import path from 'node:path';
import {
  detectEnvironment,
  isSupervisorProcess,
  listEnvironments,
  readActiveEnvironment,
} from '@comfyvisor/detection';
import { metadataDir, readPidFile } from '@comfyvisor/ipc-files';
import { printJson, table } from '../output.ts';

/** `comfyvisor detect`: what detection sees from here. */
export async function detectCommand(options: { workspace?: string; json?: boolean }): Promise<number> {
  const env = options.workspace
    ? { ...process.env, COMFYGIT_HOME: path.resolve(options.workspace) }
    : process.env;
  const found = detectEnvironment({ env });
  const workspace = found.workspace;
  const pid = workspace ? await readPidFile(metadataDir(workspace)) : null;
  const report = {
    cwd: process.cwd(),
    workspace,
    managed: found.managed,
    environment: found.managed ? found.environment.name : null,
    active_environment: workspace ? readActiveEnvironment(workspace) : null,
    environments: workspace ? listEnvironments(workspace).map((e) => e.name) : [],
    supervisor_pid: pid !== null && isSupervisorProcess(pid) ? pid : null,
    supervised: process.env.COMFYGIT_SUPERVISED === '1',
  };
  if (options.json) {
    printJson(report);
    return 0;
  }
  process.stdout.write(
    `${table([
      ['workspace', report.workspace ?? 'none found'],
      ['managed', report.managed ? `yes (${report.environment})` : 'no'],
      ['active', report.active_environment ?? '-'],
      ['environments', report.environments.join(', ') || '-'],
      ['supervisor', report.supervisor_pid ? `running (pid ${report.supervisor_pid})` : 'not running'],
    ])}\n`,
  );
  return 0;
}
