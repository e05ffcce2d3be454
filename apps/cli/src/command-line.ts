/** The parts of a commander program this needs (commander's types stay out of the public API). */
export interface CommandLine {
  name(): string;
  readonly commands: readonly CommandLine[];
  exitOverride(): unknown;
  configureOutput(output: { outputError?: (text: string, write: (text: string) => void) => void }): unknown;
  parseAsync(argv: readonly string[], options: { from: 'user' }): Promise<unknown>;
}

import { describeError } from './errors.ts';

/** `error: unknown option '--x'` → `<name>: unknown option '--x' (see <name> --help)`. */
export function oneLineError(text: string, name = 'comfyvisor'): string {
  const message = text
    .replace(/^error: /, '')
    .replace(/\s+/g, ' ')
    .trim();
  return `${name}: ${message} (see ${name} --help)\n`;
}

/**
 * Parses `argv` with a commander program and turns every way it can end into an exit code, the
 * same for `comfyvisor` and `comfyvisor-bridge`: help and --version 0; a usage mistake 2, in one
 * line; a user's mistake (UserError or a library error with a user code) 1 or its own code, in one
 * line; anything else 70, with the stack only when COMFYVISOR_DEBUG=1.
 */
export async function runCommandLine(program: CommandLine, argv: string[]): Promise<number> {
  const name = program.name();
  // Set on every command: subcommands do not inherit settings made after they were created.
  const all = (command: CommandLine): CommandLine[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(program)) {
    command.exitOverride();
    command.configureOutput({ outputError: (str, write) => write(oneLineError(str, name)) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.'))
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(code) ? 0 : 2;
    const { message, exitCode } = describeError(error, undefined, name);
    process.stderr.write(`${message}\n`);
    return exitCode;
  }
}
