import { execFile } from 'node:child_process';

/** The flags ComfyUI needs for the hardware its torch was built for (wire). */
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

/** Asks an environment's interpreter for its torch version (null: no torch, or no answer). */
export function askPythonForTorch(python: string, timeoutMs = 30_000): Promise<string | null> {
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
