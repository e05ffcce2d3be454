import { existsSync } from 'node:fs';
import path from 'node:path';
import { VenvNotFoundError } from './errors.ts';

export interface VenvPaths {
  python: string;
  pip: string;
  binDir: string;
}

/** `bin/python` and `bin/pip`, or `Scripts\python.exe` and `Scripts\pip.exe` on Windows. */
export function venvPaths(venvDir: string, platform: NodeJS.Platform = process.platform): VenvPaths {
  if (platform === 'win32') {
    const binDir = path.win32.join(venvDir, 'Scripts');
    return { binDir, python: path.win32.join(binDir, 'python.exe'), pip: path.win32.join(binDir, 'pip.exe') };
  }
  const binDir = path.posix.join(venvDir, 'bin');
  return { binDir, python: path.posix.join(binDir, 'python'), pip: path.posix.join(binDir, 'pip') };
}

/** The venv's interpreter; throws VenvNotFoundError, saying what to run, when it is not there. */
export function resolveVenvPython(
  venvDir: string,
  platform: NodeJS.Platform = process.platform,
  hint = 'comfyvisor setup',
): string {
  const { python } = venvPaths(venvDir, platform);
  if (!existsSync(python)) {
    throw new VenvNotFoundError(`no Python virtual environment at ${venvDir}: run \`${hint}\` to create it`);
  }
  return python;
}
