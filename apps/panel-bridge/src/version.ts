declare const __COMFYVISOR_VERSION__: string | undefined;

/** This package's version from its package.json, put in by the build (esbuild `define`). */
export const VERSION: string =
  typeof __COMFYVISOR_VERSION__ === 'string' ? __COMFYVISOR_VERSION__ : '0.0.0-source';
