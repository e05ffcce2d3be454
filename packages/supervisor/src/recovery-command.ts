/** A word for a POSIX shell: as it is when plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that brings ComfyUI back after a `critical_failure`, ready to paste: `comfyvisor
 * run` on this workspace and environment with ComfyUI's own arguments (status `recovery_command`).
 */
export function recoveryCommand(workspace: string, environment: string, args: readonly string[]): string {
  const words = ['comfyvisor', 'run', '--workspace', workspace, '--environment', environment];
  if (args.length > 0) words.push('--args', ...args);
  return words.map(shellWord).join(' ');
}
