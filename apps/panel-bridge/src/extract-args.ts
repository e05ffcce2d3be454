import path from 'node:path';

/** Flags the manager injects into ComfyUI's argv that must not be passed on again. */
const INJECTED = new Set(['--enable-manager']);

/**
 * ComfyUI's own arguments from its argv: drops the interpreter (and `-u`-style interpreter
 * flags) and `main.py`, and `--enable-manager`, which the manager injects.
 */
export function extractComfyuiArgs(argv: readonly string[]): string[] {
  const mainIndex = argv.findIndex((arg) => path.basename(arg) === 'main.py');
  const rest =
    mainIndex === -1
      ? argv.slice(argv.length > 0 && /python|\.exe$/i.test(path.basename(argv[0] ?? '')) ? 1 : 0)
      : argv.slice(mainIndex + 1);
  return rest.filter((arg) => !INJECTED.has(arg));
}
