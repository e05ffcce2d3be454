import { describeError } from './errors.ts';
import { buildProgram } from './program.ts';
import { splitComfyuiArgs } from './run-args.ts';

/** Runs the CLI on `argv` (without node and the script) and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { own, comfyui } = splitComfyuiArgs(argv);
  let exitCode = 0;
  const program = buildProgram(comfyui ?? [], (code) => {
    exitCode = code;
  });
  // Subcommands do not inherit a setting made after they were created: theirs too, or a bad option
  // value would end the process from inside commander with its own code.
  for (const command of [program, ...program.commands]) command.exitOverride();
  try {
    await program.parseAsync(own, { from: 'user' });
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help'
        ? 0
        : 2;
    }
    const { message, exitCode: failure } = describeError(error);
    process.stderr.write(`${message}\n`);
    return failure;
  }
}
