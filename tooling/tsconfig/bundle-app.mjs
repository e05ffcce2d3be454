// Build step shared by the apps (cli, panel-bridge): bundles `src/bin.ts` and `src/index.ts` into
// `outdir` (ESM, code-split), so an install pulls no more than the bundle needs, with the
// package's version (from its package.json, at build time) as `__COMFYVISOR_VERSION__`. The caller
// passes esbuild's `build`: esbuild is the app's devDependency, not this package's.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @param {(options: object) => Promise<unknown>} build esbuild's `build`
 * @param {{ packageDir: URL | string, outdir: string, external?: string[], chunkNames?: string, define?: Record<string, string> }} options
 *   `packageDir`: the app's folder; `outdir`: relative to it, emptied first; `external`: not
 *   bundled; `chunkNames`: esbuild's, where the shared chunks go (default: beside the entries);
 *   `define`: more of esbuild's defines (the bridge's dashboard script)
 */
export async function bundleApp(build, { packageDir, outdir, external = [], chunkNames, define = {} }) {
  const root = packageDir instanceof URL ? fileURLToPath(packageDir) : packageDir;
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = join(root, outdir);
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'src', 'bin.ts'), join(root, 'src', 'index.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: out,
    ...(chunkNames ? { chunkNames } : {}),
    external,
    logLevel: 'warning',
    define: { ...define, __COMFYVISOR_VERSION__: JSON.stringify(version) },
    // CommonJS dependencies (commander) call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __comfyvisorRequire } from 'node:module'; const require = __comfyvisorRequire(import.meta.url);",
    },
  });
}
