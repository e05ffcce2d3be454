/**
 * The two commands that must start quickly, `run` (the panel starts it; ComfyUI waits for it) and
 * `status` (scripts poll it), in their plain forms, parsed without loading commander: commander and
 * the program's definition cost ~10 ms of start-up and ~1.5 MB of the supervisor's RSS. Anything
 * else (help, a flag repeated, an unknown flag, a value that looks like a flag) returns null and goes
 * through commander as before, so the behaviour of every other form is commander's.
 */
export type FastCommand =
  | {
      command: 'run';
      options: { workspace?: string; environment?: string; portCheck?: boolean; logFile?: string };
    }
  | { command: 'status'; options: { workspace?: string; json?: boolean } };

const VALUE_FLAGS = {
  run: new Set(['--workspace', '--environment', '--log-file']),
  status: new Set(['--workspace']),
} as const;
const SWITCHES = {
  run: new Set(['--no-port-check']),
  status: new Set(['--json']),
} as const;

const camel = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `own` is argv without ComfyUI's part (see splitComfyuiArgs). */
export function parseFastPath(own: readonly string[]): FastCommand | null {
  const [command, ...rest] = own;
  if (command !== 'run' && command !== 'status') return null;
  const values = VALUE_FLAGS[command];
  const switches = SWITCHES[command];
  const options: Record<string, string | boolean> = {};
  const seen = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (seen.has(flag)) return null;
    seen.add(flag);
    if (values.has(flag)) {
      const value = eq === -1 ? rest[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-')) return null;
      options[camel(flag)] = value;
    } else if (switches.has(flag) && eq === -1) {
      if (flag === '--no-port-check') options.portCheck = false;
      else options[camel(flag)] = true;
    } else {
      return null;
    }
  }
  return { command, options } as FastCommand;
}
