/**
 * The settings panel's fields as text and back (pure: no DOM), and where the bridge's refusal
 * points. The bridge checks everything again with the config's own rules; these checks only
 * catch typing slips before a round trip.
 */

/** The orchestrator keys the panel edits, how each is typed, and its label. */
export const ORCHESTRATOR_FIELDS = [
  ['drain_enabled', 'boolean', 'Wait for the running prompt before a planned restart, stop or switch'],
  ['drain_timeout_s', 'number', 'Longest wait for it (s)'],
  ['requeue_pending', 'boolean', 'Queue pending prompts again after a restart'],
  ['liveness_busy_timeout_s', 'number', 'Unanswered probes tolerated while a prompt runs (s)'],
  ['restart_rss_mb', 'number', 'Restart when memory passes (MB, 0 = off)'],
  ['restart_vram_mb', 'number', 'Restart when GPU memory passes (MB, 0 = off)'],
  ['restart_daily_at', 'times', 'Restart daily at (HH:MM, comma-separated)'],
  ['idle_free_s', 'number', 'Free memory after this long idle (s, 0 = off)'],
  ['fatal_output_patterns', 'lines', 'Restart at once on output matching (one regex a line)'],
] as const;

export type FieldKind = (typeof ORCHESTRATOR_FIELDS)[number][1];

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** One argument a line (blank lines left out). */
export function argsToText(args: readonly string[]): string {
  return args.join('\n');
}
export function textToArgs(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** `NAME=value` a line. */
export function envToText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}
export function textToEnv(text: string): Parsed<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return { ok: false, error: `line ${index + 1} is not NAME=value` };
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return { ok: true, value: env };
}

/** A field's value as the form shows it. */
export function fieldToText(kind: FieldKind, value: unknown): string {
  if (kind === 'times') return Array.isArray(value) ? value.join(', ') : '';
  if (kind === 'lines') return Array.isArray(value) ? value.join('\n') : '';
  return value === undefined || value === null ? '' : String(value);
}

/** A field's text as the config takes it, or why not. */
export function textToField(kind: FieldKind, text: string, checked = false): Parsed<unknown> {
  switch (kind) {
    case 'boolean':
      return { ok: true, value: checked };
    case 'number': {
      const value = Number(text.trim());
      return text.trim() === '' || !Number.isFinite(value)
        ? { ok: false, error: 'must be a number' }
        : { ok: true, value };
    }
    case 'times':
      return {
        ok: true,
        value: text
          .split(/[,\s]+/)
          .map((t) => t.trim())
          .filter((t) => t !== ''),
      };
    case 'lines':
      return { ok: true, value: textToArgs(text) };
  }
}

/**
 * The field a refusal of the bridge names (`orchestrator.drain_timeout_s = ...`,
 * `environments."env2".extra_args: ...`, `comfyui.env...`), as the form's field key.
 */
export function fieldOfError(message: string): string | null {
  const orchestrator = /^orchestrator\.([a-z_]+)/.exec(message);
  if (orchestrator) return `orchestrator.${orchestrator[1]}`;
  const comfyui = /^comfyui\.(extra_args|env)/.exec(message);
  if (comfyui) return `comfyui.${comfyui[1]}`;
  const environment = /^environments\.(?:"[^"]*"|[^.]+)\.(extra_args|env)/.exec(message);
  if (environment) return `environment.${environment[1]}`;
  return null;
}

/** What the form holds, as typed. */
export interface FormValues {
  extraArgs: string;
  env: string;
  /** Each orchestrator key's text (or, for a checkbox, whether it is checked). */
  orchestrator: Record<string, { text: string; checked: boolean }>;
  /** Each environment's args and variables as typed; both empty removes its entry. */
  environments: ReadonlyMap<string, { args: string; env: string }>;
}

/** The body of `POST v2/comfyvisor/settings`, or the first field a typing slip makes unreadable. */
export function settingsBody(
  values: FormValues,
): { ok: true; body: Record<string, unknown> } | { ok: false; key: string; error: string } {
  const env = textToEnv(values.env);
  if (!env.ok) return { ok: false, key: 'comfyui.env', error: env.error };
  const orchestrator: Record<string, unknown> = {};
  for (const [key, kind] of ORCHESTRATOR_FIELDS) {
    const typed = values.orchestrator[key] ?? { text: '', checked: false };
    const parsed = textToField(kind, typed.text, typed.checked);
    if (!parsed.ok) return { ok: false, key: `orchestrator.${key}`, error: `${key} ${parsed.error}` };
    orchestrator[key] = parsed.value;
  }
  const environments: Record<string, unknown> = {};
  for (const [name, edit] of values.environments) {
    const vars = textToEnv(edit.env);
    if (!vars.ok) return { ok: false, key: 'environment.env', error: `${name}: ${vars.error}` };
    const args = textToArgs(edit.args);
    const empty = args.length === 0 && Object.keys(vars.value).length === 0;
    environments[name] = empty ? null : { extra_args: args, env: vars.value };
  }
  return {
    ok: true,
    body: {
      comfyui: { extra_args: textToArgs(values.extraArgs), env: env.value },
      orchestrator,
      environments,
    },
  };
}
