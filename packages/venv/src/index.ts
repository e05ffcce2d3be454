export type { EnsureVenvOptions, EnsureVenvResult, Logger } from './ensure-venv.ts';
export { ensureVenv } from './ensure-venv.ts';
export { PackageInstallError, PythonNotFoundError, VenvCreateError, VenvNotFoundError } from './errors.ts';
export { VENV_MARKER } from './finalize-venv.ts';
export type { PythonInfo, PythonRunner } from './find-python.ts';
export { findPython } from './find-python.ts';
export type { InstallPlan } from './install-commands.ts';
export { defaultPackages, planInstall } from './install-commands.ts';
export type { InstalledState } from './installed-version.ts';
export {
  inspectInstalled,
  normalizeDistributionName,
  readInstalledVersion,
  sitePackagesDirs,
} from './installed-version.ts';
export type { VenvPaths } from './venv-paths.ts';
export { resolveVenvPython, venvPaths } from './venv-paths.ts';
