import { resolveWorkspace } from '../context.ts';
import { printJson } from '../output.ts';

export interface SetupOptions {
  workspace?: string;
  json?: boolean;
  /** Install these instead of comfygit (a wheel's path works). */
  package?: string[];
  offline?: boolean;
  findLinks?: string;
}

/** `comfyvisor setup`: the tooling venv that provides ComfyGit's `cg` (used to sync environments). */
export async function setupCommand(options: SetupOptions): Promise<number> {
  const workspace = resolveWorkspace(options.workspace);
  const [{ ensureVenv }, { toolingVenvDir }] = await Promise.all([
    import('@comfyvisor/venv'),
    import('@comfyvisor/supervisor'),
  ]);
  const pipArgs = [
    ...(options.offline ? ['--no-index'] : []),
    ...(options.findLinks ? ['--find-links', options.findLinks] : []),
  ];
  const started = Date.now();
  const result = await ensureVenv(toolingVenvDir(workspace), {
    ...(options.package?.length ? { packages: options.package } : {}),
    pipArgs,
    onProgress: ({ phase, message }) => {
      if (!options.json) process.stdout.write(`[${phase}] ${message}\n`);
    },
  });
  if (options.json) printJson({ ...result, seconds: (Date.now() - started) / 1000 });
  else if (result.created)
    process.stdout.write(`ready: ${result.venvDir} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  else process.stdout.write(`already set up: ${result.venvDir}\n`);
  return 0;
}
