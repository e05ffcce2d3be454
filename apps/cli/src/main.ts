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
  const [{ buildProgram }, { runCommandLine }] = await Promise.all([
    import('./program.ts'),
    import('./command-line.ts'),
  ]);
  let exitCode = 0;
  const program = buildProgram(comfyui, (code) => {
    exitCode = code;
  });
  const parsed = await runCommandLine(program, own);
  return parsed === 0 ? exitCode : parsed;
}
