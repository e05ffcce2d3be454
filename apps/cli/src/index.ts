export { describeError, UserError } from './errors.ts';
export type { EventLine } from './event-text.ts';
export { describeEvent } from './event-text.ts';
export { main } from './main.ts';
export { splitComfyuiArgs } from './run-args.ts';
