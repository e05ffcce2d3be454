// The dashboard's page script: src/dashboard/client.ts and its modules, bundled by esbuild into
// one script for the browser. The bridge's bundle gets it as `__COMFYVISOR_DASHBOARD_SCRIPT__`
// (scripts/bundle.mjs); the unit tests, which run from the sources, get it from vitest's `define`
// (vitest.config.ts). esbuild is passed in by the caller (a devDependency).
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../src/dashboard/client.ts', import.meta.url));

/** esbuild options: one IIFE for the browsers that run ComfyUI's frontend, `</script` escaped. */
export const dashboardClientOptions = {
  entryPoints: [ENTRY],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** The script's text, as a `define` value (a JSON string). */
function defineOf(result) {
  const file = result.outputFiles?.[0];
  if (!file) throw new Error('esbuild gave no output for the dashboard client');
  return JSON.stringify(file.text);
}

/** `{ __COMFYVISOR_DASHBOARD_SCRIPT__: "<the script as a JSON string>" }` with esbuild's `build`. */
export async function dashboardScriptDefine(build) {
  return { __COMFYVISOR_DASHBOARD_SCRIPT__: defineOf(await build(dashboardClientOptions)) };
}

/** The same with esbuild's `buildSync` (for a config file that cannot wait). */
export function dashboardScriptDefineSync(buildSync) {
  return { __COMFYVISOR_DASHBOARD_SCRIPT__: defineOf(buildSync(dashboardClientOptions)) };
}
