import { realpathSync } from 'node:fs';
import { mkdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { checkEnvironment, readActiveEnvironment } from '@comfyvisor/detection';
import { DEFAULT_CONFIG, metadataDir, readConfig, silentLogger } from '@comfyvisor/ipc-files';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import {
  ownerOf,
  refuseOtherWorkspace,
  type ServiceKind,
  type ServiceTargetOptions,
  serviceUnit,
} from '../service-target.ts';
import { launchdLabel, launchdPlist, type ServiceSpec, stopTimeoutS, systemdUnit } from '../service-units.ts';

/** `service install`'s options. */
export interface ServiceInstallOptions extends ServiceTargetOptions {
  environment?: string;
}

/** `service uninstall`'s options: `--workspace` checks that the service runs that workspace. */
export type ServiceUninstallOptions = ServiceTargetOptions;

async function stopGraceOf(workspace: string): Promise<number> {
  const dir = metadataDir(workspace);
  // Read, never create: an install must not write into the workspace.
  const config = await readConfig(dir, { logger: silentLogger });
  return (config ?? DEFAULT_CONFIG).orchestrator.stopGraceS;
}

function cliEntry(): string {
  const script = process.argv[1];
  if (!script) throw new UserError('cannot tell where the comfyvisor CLI is installed');
  return realpathSync(script);
}

function enableHint(kind: ServiceKind, name: string, file: string, user: boolean): string[] {
  if (kind === 'launchd')
    return [
      `  launchctl bootstrap gui/$(id -u) ${file}`,
      `  launchctl kickstart -k gui/$(id -u)/${launchdLabel(name)}`,
    ];
  const ctl = user ? 'systemctl --user' : 'sudo systemctl';
  return [
    `  ${ctl} daemon-reload`,
    `  ${ctl} enable --now ${name}.service`,
    `  journalctl ${user ? '--user ' : ''}-u ${name} -f`,
    ...(user ? ['  loginctl enable-linger "$USER"   # to start at boot without logging in'] : []),
  ];
}

/** The workspace and environment to install, checked before anything is written. */
function installInput(options: ServiceInstallOptions, comfyuiArgs: string[]) {
  if (!options.workspace)
    throw new UserError('--workspace is required (the service must not depend on its cwd)', 2);
  const workspace = resolveWorkspace(options.workspace);
  if (/[\n\r]/.test(workspace) || comfyuiArgs.some((a) => /[\n\r\0]/.test(a)))
    throw new UserError('the workspace path and ComfyUI args must not contain line breaks', 2);
  const environment = options.environment ?? readActiveEnvironment(workspace);
  if (!environment)
    throw new UserError('no --environment given and the workspace has no active environment', 2);
  const check = checkEnvironment(workspace, environment);
  if (!check.ok) throw new UserError(check.message, check.reason === 'invalid' ? 2 : 1);
  return { workspace, environment };
}

async function specOf(
  input: { workspace: string; environment: string },
  name: string,
  user: boolean,
  comfyuiArgs: string[],
): Promise<ServiceSpec> {
  const sudoUser = process.env.SUDO_USER;
  const me = userInfo().username;
  return {
    name,
    ...input,
    comfyuiArgs,
    node: process.execPath,
    cli: cliEntry(),
    stopGraceS: await stopGraceOf(input.workspace),
    path: [...new Set([path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':'),
    user,
    runAs: sudoUser && sudoUser !== 'root' ? sudoUser : me !== 'root' ? me : undefined,
    logFile: path.join(metadataDir(input.workspace), 'service.log'),
  };
}

/** Atomically: a temp file beside it, then a rename. */
async function writeUnitFile(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, file).catch(async (error) => {
      await rm(temp, { force: true });
      throw error;
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM' ? ' (run it with sudo, or use --user)' : '';
    throw new UserError(`cannot write ${file}: ${(error as Error).message.split('\n')[0]}${hint}`);
  }
}

/** `comfyvisor service install`: writes a systemd unit (Linux) or a launchd agent (macOS). */
export async function serviceInstallCommand(
  options: ServiceInstallOptions,
  comfyuiArgs: string[],
): Promise<number> {
  const unit = serviceUnit(options);
  const input = installInput(options, comfyuiArgs);
  const owner = await ownerOf(unit.file);
  if (owner.kind === 'foreign')
    throw new UserError(`${unit.file} exists and was not written by comfyvisor; choose another --name`);
  refuseOtherWorkspace(owner, unit, input.workspace, 'replace');
  const spec = await specOf(input, unit.name, Boolean(options.user), comfyuiArgs);
  const text = unit.kind === 'launchd' ? launchdPlist(spec) : systemdUnit(spec);
  if (options.dryRun) {
    process.stdout.write(`# would write ${unit.file}\n${text}`);
    return 0;
  }
  await writeUnitFile(unit.file, text);
  process.stdout.write(
    [
      `${owner.kind === 'ours' ? 'updated' : 'wrote'} ${unit.file} (stop timeout ${stopTimeoutS(spec.stopGraceS)} s, ComfyUI's grace ${spec.stopGraceS} s)`,
      'enable and start it with:',
      ...enableHint(unit.kind, unit.name, unit.file, spec.user),
      '',
    ].join('\n'),
  );
  return 0;
}

/** Removes the unit and the links `systemctl enable` made to it (without its file it could no longer be disabled). */
async function removeUnitFile(file: string): Promise<void> {
  try {
    for (const wants of ['multi-user.target.wants', 'default.target.wants']) {
      const link = path.join(path.dirname(file), wants, path.basename(file));
      const pointsAt = await readlink(link).catch(() => null);
      if (pointsAt !== null && path.resolve(path.dirname(link), pointsAt) === file) await rm(link);
    }
    await rm(file);
  } catch (error) {
    throw new UserError(`cannot remove ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `comfyvisor service uninstall`: removes a definition we wrote (for `--workspace`, when given), and nothing else. */
export async function serviceUninstallCommand(options: ServiceUninstallOptions): Promise<number> {
  const unit = serviceUnit(options);
  const { file, name } = unit;
  const owner = await ownerOf(file);
  if (owner.kind === 'none') throw new UserError(`no service ${name} at ${file}`);
  if (owner.kind === 'foreign')
    throw new UserError(`${file} was not written by comfyvisor; leaving it alone`);
  // The workspace may be gone already: its path is compared, not checked.
  if (options.workspace) refuseOtherWorkspace(owner, unit, path.resolve(options.workspace), 'remove');
  if (options.dryRun) {
    process.stdout.write(`would remove ${file}\n`);
    return 0;
  }
  await removeUnitFile(file);
  const ctl = options.user ? 'systemctl --user' : 'sudo systemctl';
  const then =
    unit.kind === 'launchd'
      ? `launchctl bootout gui/$(id -u)/${launchdLabel(name)}`
      : `${ctl} stop ${name}.service; ${ctl} daemon-reload`;
  process.stdout.write(`removed ${file} (if it still runs: ${then})\n`);
  return 0;
}
