/**
 * Names ComfyGit will not give an environment: its own folders and, because environments are
 * folders, the device names Windows reserves. (ComfyGit's core does not publish a list; this is ours.)
 */
export const RESERVED_ENVIRONMENT_NAMES: ReadonlySet<string> = new Set([
  'workspace',
  'environments',
  'metadata',
  'models',
  'logs',
  'cache',
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/** One path segment: not empty, no `/` `\` `..`, no leading dot, no control characters, not reserved. */
export function validateEnvironmentName(name: unknown): NameCheck {
  if (typeof name !== 'string')
    return {
      ok: false,
      reason: `an environment name must be a string, not ${name === null ? 'null' : typeof name}`,
    };
  if (name.trim() === '') return { ok: false, reason: 'the environment name is empty' };
  if (name.length > 128) return { ok: false, reason: 'the environment name is longer than 128 characters' };
  if (name.includes('/') || name.includes('\\'))
    return { ok: false, reason: `${JSON.stringify(name)} is not one folder name (it has a slash)` };
  if (name.includes('..')) return { ok: false, reason: `${JSON.stringify(name)} contains ".."` };
  if (name.startsWith('.')) return { ok: false, reason: `${JSON.stringify(name)} starts with a dot` };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u001f\u007f:*?"<>|]/.test(name))
    return { ok: false, reason: `${JSON.stringify(name)} contains a character a folder name cannot have` };
  if (name !== name.trim())
    return { ok: false, reason: `${JSON.stringify(name)} starts or ends with white space` };
  if (RESERVED_ENVIRONMENT_NAMES.has(name.toLowerCase()))
    return { ok: false, reason: `${JSON.stringify(name)} is a reserved name` };
  return { ok: true, name };
}
