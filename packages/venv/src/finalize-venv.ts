import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { venvPaths } from './venv-paths.ts';

/** Written last: a venv with this file is complete. */
export const VENV_MARKER = '.comfyvisor-venv.json';

export type FinalizeStep = 'relocate' | 'mark' | 'replace';

/** Scripts in bin/ carry the build folder in their shebang: point them at the final folder. */
async function relocateScripts(venvDir: string, from: string, to: string): Promise<void> {
  const binDir = venvPaths(venvDir).binDir;
  for (const name of await readdir(binDir).catch(() => [] as string[])) {
    const file = path.join(binDir, name);
    let text: string;
    try {
      const buffer = await readFile(file);
      if (buffer.includes(0) || !buffer.includes(from)) continue;
      text = buffer.toString('utf8');
    } catch {
      continue; // a directory or a dangling link
    }
    await writeFile(file, text.split(from).join(to));
  }
  const cfg = path.join(venvDir, 'pyvenv.cfg');
  const cfgText = await readFile(cfg, 'utf8').catch(() => null);
  if (cfgText?.includes(from)) await writeFile(cfg, cfgText.split(from).join(to));
}

/**
 * Turns the venv built at `partial` into the one at `target`, in the only order that never leaves
 * a venv marked complete but broken: first finish it (scripts' shebangs and pyvenv.cfg rewritten to
 * `target` while it is still at `partial`), then write the marker, then replace `target` with it.
 * An interruption at any point leaves either no marked venv at `target` or a working one.
 * `beforeStep` lets tests interrupt it.
 */
export async function finalizeVenv(
  partial: string,
  target: string,
  marker: Record<string, unknown>,
  hooks: { beforeStep?: ((step: FinalizeStep) => void | Promise<void>) | undefined } = {},
): Promise<void> {
  await hooks.beforeStep?.('relocate');
  await relocateScripts(partial, partial, target);
  await hooks.beforeStep?.('mark');
  await writeFile(path.join(partial, VENV_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  await hooks.beforeStep?.('replace');
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
}
