// Build step: bundle `comfyvisor-bridge` and the package's entry into dist/ (ESM, code-split), so
// an install pulls only @comfyvisor/cli (the supervisor it starts, itself a bundle): everything
// the bundle holds is a devDependency. The shared settings (version define, require banner) are
// in @comfyvisor/tsconfig. The dashboard's page script is bundled first and defined into it.
import { bundleApp } from '@comfyvisor/tsconfig';
import { build } from 'esbuild';
import { dashboardScriptDefine } from './dashboard-client.mjs';

await bundleApp(build, {
  packageDir: new URL('..', import.meta.url),
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  // the CLI is started as a program (its bin, found through its package.json), never bundled
  external: ['@comfyvisor/cli'],
  define: await dashboardScriptDefine(build),
});
