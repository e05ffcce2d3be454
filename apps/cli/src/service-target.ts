import { open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { UserError } from './errors.ts';
import { launchdLabel, SERVICE_MARKER, workspaceOfUnit } from './service-units.ts';

/** The options `service install` and `service uninstall` share. */
export interface ServiceTargetOptions {
  workspace?: string;
  name?: string;
  user?: boolean;
  dryRun?: boolean;
  /** Hidden: write here instead of the service manager's folder (tests). */
  unitDir?: string;
  /** Hidden: `systemd` or `launchd` (default: by platform). */
  kind?: string;
}

export type ServiceKind = 'systemd' | 'launchd';

/** Which service a command means: the same for install and uninstall. */
export interface ServiceUnit {
  kind: ServiceKind;
  name: string;
  /** Where the definition is (or goes). */
  file: string;
}

function kindOf(options: ServiceTargetOptions): ServiceKind {
  const kind = options.kind ?? (process.platform === 'darwin' ? 'launchd' : 'systemd');
  if (kind !== 'systemd' && kind !== 'launchd')
    throw new UserError(`unknown service kind "${kind}" (systemd or launchd)`, 2);
  if (!options.kind && process.platform !== 'linux' && process.platform !== 'darwin')
    throw new UserError(`services are made for systemd (Linux) and launchd (macOS), not ${process.platform}`);
  return kind;
}

function nameOf(options: ServiceTargetOptions): string {
  const name = (options.name ?? 'comfyvisor').replace(/\.service$/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,120}$/.test(name) || name.includes('..'))
    throw new UserError(`invalid service name "${name}" (letters, digits, "_", ".", "@", "-")`, 2);
  return name;
}

/**
 * The one rule for a service's name and file, used by `install` and `uninstall` alike: `--name`
 * (default `comfyvisor`) in the service manager's folder. A name runs one workspace: the file
 * records which (see `ownerOf`), and a command for another workspace is refused.
 */
export function serviceUnit(options: ServiceTargetOptions): ServiceUnit {
  const kind = kindOf(options);
  const name = nameOf(options);
  const home = homedir();
  const dir =
    options.unitDir ??
    (kind === 'launchd'
      ? path.join(home, 'Library', 'LaunchAgents')
      : options.user
        ? path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd', 'user')
        : '/etc/systemd/system');
  const file = path.join(
    path.resolve(dir),
    kind === 'launchd' ? `${launchdLabel(name)}.plist` : `${name}.service`,
  );
  return { kind, name, file };
}

/** Who wrote the file there: nobody (no file), someone else, or us (with the workspace it runs, when it says). */
export type UnitOwner = { kind: 'none' } | { kind: 'foreign' } | { kind: 'ours'; workspace: string | null };

const HEAD_BYTES = 16 * 1024;

export async function ownerOf(file: string): Promise<UnitOwner> {
  const info = await stat(file).catch(() => null);
  if (!info) return { kind: 'none' };
  if (!info.isFile()) return { kind: 'foreign' };
  // The markers are on the first lines: read a head, not a whole (possibly huge) file someone put there.
  const head = await open(file, 'r')
    .then(async (handle) => {
      try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
        return buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    })
    .catch(() => '');
  if (!head.includes(SERVICE_MARKER)) return { kind: 'foreign' };
  return { kind: 'ours', workspace: workspaceOfUnit(head) };
}

/** Refuses to touch our file when it runs another workspace than `workspace` (`what`: "replace", "remove"). */
export function refuseOtherWorkspace(
  owner: UnitOwner,
  unit: ServiceUnit,
  workspace: string,
  what: string,
): void {
  if (owner.kind !== 'ours' || owner.workspace === workspace) return;
  const runs =
    owner.workspace === null ? 'runs an unrecorded workspace' : `runs the workspace ${owner.workspace}`;
  throw new UserError(
    `the service ${unit.name} (${unit.file}) ${runs}, not ${workspace}; will not ${what} it (choose another --name${what === 'replace' ? `, or \`comfyvisor service uninstall --name ${unit.name}\` first` : ''})`,
  );
}
