#!/usr/bin/env node
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { main } from './main.ts';

// Node ≥ 22.1 keeps V8's compiled code of our chunks on disk between runs (a no-op on Node 20).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const argv = process.argv.slice(2);
// The supervisor idles for days and its busiest moment is a few hundred calls: V8's compilers beyond
// the interpreter buy it nothing. Never running TurboFan keeps ~3.5 MB of the node binary's code out of
// its RSS; never running Sparkplug (baseline code) another 1.5–2 MB (docs/performance.md).
if (argv[0] === 'run') setFlagsFromString('--no-opt --no-sparkplug');

// The only place that ends the process.
main(argv).then(
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
