import { describeError } from './errors.ts';
import { parseFastPath } from './fast-path.ts';
import { splitComfyuiArgs } from './run-args.ts';

/** Runs the CLI on `argv` (without node and the script) and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { own, comfyui } = splitComfyuiArgs(argv);
  try {
    // `run` and `status` in their plain forms skip commander (see fast-path.ts).
    const fast = parseFastPath(own);
    if (fast?.command === 'run')
      return await (await import('./commands/run.ts')).runCommand(fast.options, comfyui ?? []);
    if (fast?.command === 'status')
      return await (await import('./commands/status.ts')).statusCommand(fast.options);
    return await parseWithCommander(own, comfyui ?? []);
  } catch (error) {
    const { message, exitCode: failure } = describeError(error);
    process.stderr.write(`${message}\n`);
    return failure;
  }
}

async function parseWithCommander(own: string[], comfyui: string[]): Promise<number> {
  const { buildProgram } = await import('./program.ts');
  let exitCode = 0;
  const program = buildProgram(comfyui, (code) => {
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
    throw error;
  }
}
