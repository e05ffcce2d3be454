// PROTOTYPE (measured by scripts/bench-variants.ts): torch's version read from the environment's
// installed package metadata (`site-packages/torch-<version>.dist-info/METADATA`), asking Python only
// when the disk cannot tell. Saves the ~50–200 ms Python query of every cold start and switch.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function backendFlags(
  torchVersion: string | null,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (platform === 'darwin') return [];
  if (torchVersion && /\+(cu\d+|rocm\d)/.test(torchVersion)) return [];
  return ['--cpu'];
}

const TORCH_VERSION_CODE = [
  'try:',
  '    from importlib.metadata import version',
  '    print(version("torch"))',
  'except Exception:',
  '    try:',
  '        import torch',
  '        print(torch.__version__)',
  '    except Exception:',
  '        print("")',
].join('\n');

function askPython(python: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', TORCH_VERSION_CODE],
      { timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout) => {
        const version = error ? '' : stdout.trim();
        resolve(version === '' ? null : version);
      },
    );
  });
}

const list = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** `{ version }` from the disk, `{ version: null }` when the venv surely has no torch, or null: ask Python. */
export function torchFromDisk(python: string): { version: string | null } | null {
  const venv = dirname(dirname(python)); // <venv>/bin/python, <venv>/Scripts/python.exe
  const cfg = join(venv, 'pyvenv.cfg');
  if (!existsSync(cfg)) return null;
  const sitePackages = [
    join(venv, 'Lib', 'site-packages'),
    ...list(join(venv, 'lib'))
      .filter((d) => d.startsWith('python'))
      .map((d) => join(venv, 'lib', d, 'site-packages')),
  ].filter((d) => existsSync(d));
  if (sitePackages.length === 0) return null;
  for (const dir of sitePackages) {
    for (const entry of list(dir)) {
      if (!/^torch-[^-]+\.dist-info$/i.test(entry)) continue;
      try {
        const metadata = readFileSync(join(dir, entry, 'METADATA'), 'utf8').slice(0, 4096);
        const version = /^Version:\s*(\S+)/m.exec(metadata)?.[1];
        if (version) return { version };
      } catch {
        return null;
      }
    }
  }
  // No metadata: certain only when nothing named torch is there and system packages are not visible
  // (.pth files could still add paths: ask Python when there are any).
  const systemSite = /^include-system-site-packages\s*=\s*true/im.test(readFileSync(cfg, 'utf8'));
  const anything = sitePackages.some((dir) => list(dir).some((e) => e === 'torch' || e.endsWith('.pth')));
  return systemSite || anything ? null : { version: null };
}

export async function readTorchVersion(python: string, timeoutMs = 30_000): Promise<string | null> {
  const disk = torchFromDisk(python);
  return disk ? disk.version : askPython(python, timeoutMs);
}
