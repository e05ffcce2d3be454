// Build step: bundle the command and the package's entry into dist/bundle/ (ESM, code-split per
// command) so that a quick command like `comfyvisor status` loads a few files instead of every
// package's modules, and an install pulls no dependencies: everything the bundle holds is a
// devDependency. The shared settings (version define, require banner) are in @comfyvisor/tsconfig.
import { bundleApp } from '@comfyvisor/tsconfig';
import { build } from 'esbuild';

await bundleApp(build, { packageDir: new URL('..', import.meta.url), outdir: 'dist/bundle' });
