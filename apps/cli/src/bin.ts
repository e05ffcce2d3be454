#!/usr/bin/env node
import { main } from './main.ts';

// The only place that ends the process.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The supervisor's lifeline and sockets are unref'd; a quick exit keeps `status` fast.
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`comfyvisor: ${(error as Error).message}\n`);
    process.exit(70);
  },
);
