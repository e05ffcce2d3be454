// Build step: bundle the command into dist/bundle/ (ESM, code-split per command) so that a quick
// command like `comfyvisor status` loads a few files instead of every package's modules.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync(new URL('../dist/bundle', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: [new URL('../src/bin.ts', import.meta.url).pathname],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: new URL('../dist/bundle', import.meta.url).pathname,
  logLevel: 'warning',
  // CommonJS dependencies (commander) call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __comfyvisorRequire } from 'node:module'; const require = __comfyvisorRequire(import.meta.url);",
  },
});
