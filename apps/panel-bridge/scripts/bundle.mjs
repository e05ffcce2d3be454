// Build step: bundle `comfyvisor-bridge` and the package's entry into dist/ (ESM, code-split), so
// an install pulls only @comfyvisor/cli (the supervisor it starts, itself a bundle): everything
// the bundle holds is a devDependency. The version comes from package.json here, at build time.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const at = (path) => fileURLToPath(new URL(path, import.meta.url));
const { version } = JSON.parse(readFileSync(at('../package.json'), 'utf8'));
rmSync(at('../dist'), { recursive: true, force: true });

await build({
  entryPoints: [at('../src/bin.ts'), at('../src/index.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: at('../dist'),
  chunkNames: 'chunks/[name]-[hash]',
  // the CLI is started as a program (its bin, found through its package.json), never bundled
  external: ['@comfyvisor/cli'],
  logLevel: 'warning',
  define: { __COMFYVISOR_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies (commander) call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __comfyvisorRequire } from 'node:module'; const require = __comfyvisorRequire(import.meta.url);",
  },
});
