/** Defined at build by esbuild (scripts/dashboard-client.mjs), and by vitest for the unit tests. */
declare const __COMFYVISOR_DASHBOARD_SCRIPT__: string;

/**
 * The dashboard's page script: src/dashboard/client.ts and its modules, bundled for the browser
 * at build, with `</script` escaped so it can sit inside the page's `<script>` element.
 */
export const DASHBOARD_SCRIPT: string = __COMFYVISOR_DASHBOARD_SCRIPT__.replace(/<\/(script)/gi, '<\\/$1');
