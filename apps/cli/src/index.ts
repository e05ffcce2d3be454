export { describeError, UserError } from './errors.ts';
export { main } from './main.ts';
export { splitComfyuiArgs } from './run-args.ts';
