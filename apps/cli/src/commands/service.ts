import { realpathSync } from 'node:fs';
import { mkdir, open, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { checkEnvironment, readActiveEnvironment } from '@comfyvisor/detection';
import { DEFAULT_CONFIG, metadataDir, readConfig, silentLogger } from '@comfyvisor/ipc-files';
import { resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import {
  launchdLabel,
  launchdPlist,
  SERVICE_MARKER,
  type ServiceSpec,
  stopTimeoutS,
  systemdUnit,
} from '../service-units.ts';

export interface ServiceOptions {
  workspace?: string;
  environment?: string;
  name?: string;
  user?: boolean;
  dryRun?: boolean;
  /** Hidden: write here instead of the service manager's folder (tests). */
  unitDir?: string;
  /** Hidden: `systemd` or `launchd` (default: by platform). */
  kind?: string;
}

type Kind = 'systemd' | 'launchd';

function kindOf(options: ServiceOptions): Kind {
  const kind = options.kind ?? (process.platform === 'darwin' ? 'launchd' : 'systemd');
  if (kind !== 'systemd' && kind !== 'launchd')
    throw new UserError(`unknown service kind "${kind}" (systemd or launchd)`, 2);
  if (!options.kind && process.platform !== 'linux' && process.platform !== 'darwin')
    throw new UserError(`services are made for systemd (Linux) and launchd (macOS), not ${process.platform}`);
  return kind;
}

function nameOf(options: ServiceOptions): string {
  const name = (options.name ?? 'comfyvisor').replace(/\.service$/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,120}$/.test(name) || name.includes('..'))
    throw new UserError(`invalid service name "${name}" (letters, digits, "_", ".", "@", "-")`, 2);
  return name;
}

/** Where the definition goes, and its file name. */
function target(kind: Kind, name: string, options: ServiceOptions): string {
  const home = homedir();
  const dir =
    options.unitDir ??
    (kind === 'launchd'
      ? path.join(home, 'Library', 'LaunchAgents')
      : options.user
        ? path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd', 'user')
        : '/etc/systemd/system');
  return path.join(path.resolve(dir), kind === 'launchd' ? `${launchdLabel(name)}.plist` : `${name}.service`);
}

/** null: no file; true: one of ours; false: someone else's. */
async function ownership(file: string): Promise<boolean | null> {
  const info = await stat(file).catch(() => null);
  if (!info) return null;
  if (!info.isFile()) return false;
  // The marker is on the first line: read 4 KB, not a whole (possibly huge) file someone put there.
  const head = await open(file, 'r')
    .then(async (handle) => {
      try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
        return buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    })
    .catch(() => '');
  return head.includes(SERVICE_MARKER);
}

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

function enableHint(kind: Kind, name: string, file: string, user: boolean): string[] {
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

/** `comfyvisor service install`: writes a systemd unit (Linux) or a launchd agent (macOS). */
export async function serviceInstallCommand(options: ServiceOptions, comfyuiArgs: string[]): Promise<number> {
  const kind = kindOf(options);
  const name = nameOf(options);
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
  const file = target(kind, name, options);
  const owned = await ownership(file);
  if (owned === false)
    throw new UserError(`${file} exists and was not written by comfyvisor; choose another --name`);

  const sudoUser = process.env.SUDO_USER;
  const me = userInfo().username;
  const spec: ServiceSpec = {
    name,
    workspace,
    environment,
    comfyuiArgs,
    node: process.execPath,
    cli: cliEntry(),
    stopGraceS: await stopGraceOf(workspace),
    path: [...new Set([path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':'),
    user: Boolean(options.user),
    runAs: sudoUser && sudoUser !== 'root' ? sudoUser : me !== 'root' ? me : undefined,
    logFile: path.join(metadataDir(workspace), 'service.log'),
  };
  const text = kind === 'launchd' ? launchdPlist(spec) : systemdUnit(spec);
  if (options.dryRun) {
    process.stdout.write(`# would write ${file}\n${text}`);
    return 0;
  }
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
  process.stdout.write(
    [
      `${owned ? 'updated' : 'wrote'} ${file} (stop timeout ${stopTimeoutS(spec.stopGraceS)} s, ComfyUI's grace ${spec.stopGraceS} s)`,
      'enable and start it with:',
      ...enableHint(kind, name, file, spec.user),
      '',
    ].join('\n'),
  );
  return 0;
}

/** `comfyvisor service uninstall`: removes a definition we wrote, and nothing else. */
export async function serviceUninstallCommand(options: ServiceOptions): Promise<number> {
  const kind = kindOf(options);
  const name = nameOf(options);
  const file = target(kind, name, options);
  const owned = await ownership(file);
  if (owned === null) throw new UserError(`no service ${name} at ${file}`);
  if (owned === false) throw new UserError(`${file} was not written by comfyvisor; leaving it alone`);
  if (options.dryRun) {
    process.stdout.write(`would remove ${file}\n`);
    return 0;
  }
  const ctl = options.user ? 'systemctl --user' : 'sudo systemctl';
  try {
    // `systemctl enable` links the unit from <target>.wants/; without its file it could no longer be disabled.
    for (const wants of ['multi-user.target.wants', 'default.target.wants']) {
      const link = path.join(path.dirname(file), wants, path.basename(file));
      const pointsAt = await readlink(link).catch(() => null);
      if (pointsAt !== null && path.resolve(path.dirname(link), pointsAt) === file) await rm(link);
    }
    await rm(file);
  } catch (error) {
    throw new UserError(`cannot remove ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const then =
    kind === 'launchd'
      ? `launchctl bootout gui/$(id -u)/${launchdLabel(name)}`
      : `${ctl} stop ${name}.service; ${ctl} daemon-reload`;
  process.stdout.write(`removed ${file} (if it still runs: ${then})\n`);
  return 0;
}
