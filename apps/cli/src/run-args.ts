/**
 * Splits `run`'s (and `service install`'s) argv at `--args` (the Python supervisor's flag) or `--`:
 * everything after it is ComfyUI's, even words that look like our flags.
 */
export function splitComfyuiArgs(argv: readonly string[]): { own: string[]; comfyui: string[] | null } {
  const runIndex = argv.findIndex((arg) => arg === 'run' || arg === 'service');
  if (runIndex === -1) return { own: [...argv], comfyui: null };
  for (let i = runIndex + 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--args' || arg === '--') return { own: argv.slice(0, i), comfyui: argv.slice(i + 1) };
    if (arg?.startsWith('--args='))
      return { own: argv.slice(0, i), comfyui: [arg.slice('--args='.length), ...argv.slice(i + 1)] };
  }
  return { own: [...argv], comfyui: null };
}
