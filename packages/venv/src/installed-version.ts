import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readHead } from './read-head.ts';

/** METADATA's headers come first: a long description after them is not needed. */
const METADATA_HEAD_BYTES = 64 * 1024;

/** PEP 503: lower case, runs of `-`, `_` and `.` as one `-`. */
export function normalizeDistributionName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The venv's site-packages folders: `lib/python3.X/site-packages` (POSIX), `Lib\site-packages` (Windows). */
export async function sitePackagesDirs(
  venvDir: string,
  platform: NodeJS.Platform = process.platform,
): Promise<string[]> {
  // The platform picks the layout; the paths are joined for the machine they are read on.
  if (platform === 'win32') return [path.join(venvDir, 'Lib', 'site-packages')];
  const lib = path.join(venvDir, 'lib');
  const names = await readdir(lib).catch(() => [] as string[]);
  return names
    .filter((name) => /^python3\.\d+$/.test(name))
    .sort()
    .reverse()
    .map((name) => path.join(lib, name, 'site-packages'));
}

function versionFromMetadata(text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // end of the headers
    const match = /^Version:\s*(.+?)\s*$/i.exec(line);
    if (match) return match[1] as string;
  }
  return null;
}

/**
 * The installed version of `distribution` in the venv, from
 * `<site-packages>/<name>-<version>.dist-info/METADATA` (`Version:`), or null when it is not
 * installed. Names are compared as PEP 503 normalises them (`ComfyGit_Core` = `comfygit-core`),
 * so the dist-info folder may spell the name with `_` or `.`. Never throws.
 */
export async function readInstalledVersion(
  venvDir: string,
  distribution: string,
  options: { platform?: NodeJS.Platform | undefined } = {},
): Promise<string | null> {
  return versionIn(await listSites(venvDir, options.platform), distribution);
}

/** Each site-packages folder with its entries (null when it cannot be listed). */
async function listSites(
  venvDir: string,
  platform: NodeJS.Platform | undefined,
): Promise<Array<{ site: string; names: string[] | null }>> {
  const sites = await sitePackagesDirs(venvDir, platform);
  return Promise.all(sites.map(async (site) => ({ site, names: await readdir(site).catch(() => null) })));
}

async function versionIn(
  sites: ReadonlyArray<{ site: string; names: string[] | null }>,
  distribution: string,
): Promise<string | null> {
  const wanted = normalizeDistributionName(distribution);
  for (const { site, names } of sites) {
    for (const name of names ?? []) {
      const match = /^(.+?)-([^-]+)\.dist-info$/.exec(name);
      if (!match || normalizeDistributionName(match[1] as string) !== wanted) continue;
      const head = await readHead(path.join(site, name, 'METADATA'), METADATA_HEAD_BYTES);
      const version = head === null ? null : versionFromMetadata(head);
      if (version) return version;
    }
  }
  return null;
}

export type InstalledState = { kind: 'version'; version: string } | { kind: 'absent' } | { kind: 'unknown' };

/**
 * What the disk says of `distribution` in the venv, without running Python: its version (from
 * dist-info); `absent` when the venv is isolated (`include-system-site-packages = false`), its
 * site-packages holds nothing of that name (no package folder or module, no dist-info, egg-info or
 * egg-link) and no `.pth` file could add a path to it (setuptools' `distutils-precedence.pth`
 * aside); `unknown` otherwise (a bare package folder, a .pth, system packages visible): ask Python.
 */
export async function inspectInstalled(
  venvDir: string,
  distribution: string,
  options: { platform?: NodeJS.Platform | undefined; importName?: string | undefined } = {},
): Promise<InstalledState> {
  const sites = await listSites(venvDir, options.platform);
  const version = await versionIn(sites, distribution);
  if (version) return { kind: 'version', version };
  const cfg = await readHead(path.join(venvDir, 'pyvenv.cfg'), 8 * 1024);
  if (cfg === null || !/^\s*include-system-site-packages\s*=\s*false\s*$/im.test(cfg))
    return { kind: 'unknown' };
  const wanted = normalizeDistributionName(distribution);
  const importName = (options.importName ?? distribution).toLowerCase();
  let seen = 0;
  for (const { names } of sites) {
    if (names === null) continue;
    seen++;
    for (const name of names) {
      const lower = name.toLowerCase();
      if (lower === importName || lower === `${importName}.py`) return { kind: 'unknown' };
      if (lower.endsWith('.pth') && lower !== 'distutils-precedence.pth') return { kind: 'unknown' };
      const meta = /^(.+?)(-[^-]+)?\.(dist-info|egg-info|egg-link)$/.exec(name);
      if (meta && normalizeDistributionName(meta[1] as string) === wanted) return { kind: 'unknown' };
    }
  }
  return seen > 0 ? { kind: 'absent' } : { kind: 'unknown' };
}
