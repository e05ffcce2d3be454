export type { CommandLine } from './command-line.ts';
export { oneLineError, runCommandLine } from './command-line.ts';
export { resolveWorkspace } from './context.ts';
export { describeError, UserError } from './errors.ts';
export type { EventLine } from './event-text.ts';
export { describeEvent } from './event-text.ts';
export { main } from './main.ts';
export { numberOption } from './number-option.ts';
export { splitComfyuiArgs } from './run-args.ts';
