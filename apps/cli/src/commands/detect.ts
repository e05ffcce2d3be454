import path from 'node:path';
import {
  detectEnvironment,
  findOrphans,
  isSupervisorProcess,
  listEnvironments,
  readActiveEnvironment,
} from '@comfyvisor/detection';
import { metadataDir, readPidFile } from '@comfyvisor/ipc-files';
import { printJson, table } from '../output.ts';

const REASONS = {
  supervisor_gone: 'its supervisor is gone',
  supervisor_pid_reused: "its supervisor's pid now belongs to another process",
  no_supervisor: 'no supervisor above it',
} as const;

/** `comfyvisor detect`: what detection sees from here. */
export interface DetectOptions {
  workspace?: string;
  json?: boolean;
}

export async function detectCommand(options: DetectOptions): Promise<number> {
  const env = options.workspace
    ? { ...process.env, COMFYGIT_HOME: path.resolve(options.workspace) }
    : process.env;
  const found = detectEnvironment({ env });
  const workspace = found.workspace;
  const [pid, orphans] = await Promise.all([
    workspace ? readPidFile(metadataDir(workspace)) : null,
    workspace ? findOrphans(workspace) : [],
  ]);
  const report = {
    cwd: process.cwd(),
    workspace,
    managed: found.managed,
    environment: found.managed ? found.environment.name : null,
    active_environment: workspace ? readActiveEnvironment(workspace) : null,
    environments: workspace ? listEnvironments(workspace).map((e) => e.name) : [],
    supervisor_pid: pid !== null && isSupervisorProcess(pid) ? pid : null,
    supervised: process.env.COMFYGIT_SUPERVISED === '1',
    orphans: orphans.map((o) => ({
      pid: o.pid,
      environment: o.environment,
      supervisor_pid: o.supervisorPid,
      reason: o.reason,
      command_line: o.commandLine,
      descendants: o.descendants,
    })),
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
      [
        'orphans',
        report.orphans.length
          ? `${report.orphans.length} (end them with: comfyvisor stop --orphans)`
          : 'none',
      ],
      ...report.orphans.map((o): [string, string] => [
        `  pid ${o.pid}`,
        `${o.environment ?? '?'}; ${REASONS[o.reason]}${o.supervisor_pid ? ` (${o.supervisor_pid})` : ''}: ${o.command_line.join(' ')}`,
      ]),
    ])}\n`,
  );
  return 0;
}
