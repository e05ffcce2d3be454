import { backendFlags } from './backend-flags.ts';

/** Where an environment's ComfyUI is: its interpreter, main.py and the folder it runs in. */
export interface LaunchTarget {
  name: string;
  python: string;
  mainPy: string;
  comfyuiDir: string;
  venvDir: string;
}

export interface LaunchPlan {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether the config's extra_args are in `args` (a crash then retries without them). */
  usedExtraArgs: boolean;
}

/**
 * The ComfyUI command line, pure (wire): `<python> <main.py> <backend flags> <extra_args> <args>`,
 * run in ComfyUI's folder, with `COMFYGIT_SUPERVISED=1` and the session path ComfyUI-Manager uses
 * for its reboot marker.
 */
export function planLaunch(input: {
  target: LaunchTarget;
  torchVersion: string | null;
  platform: NodeJS.Platform;
  extraArgs: readonly string[];
  args: readonly string[];
  baseEnv: NodeJS.ProcessEnv;
  session: string;
}): LaunchPlan {
  const flags = backendFlags(input.torchVersion, input.platform);
  return {
    command: input.target.python,
    args: [input.target.mainPy, ...flags, ...input.extraArgs, ...input.args],
    cwd: input.target.comfyuiDir,
    // PYTHONFAULTHANDLER: a hung ComfyUI's thread stacks can be dumped before it is killed (stack-dump.ts)
    env: {
      PYTHONFAULTHANDLER: '1',
      ...input.baseEnv,
      COMFYGIT_SUPERVISED: '1',
      __COMFY_CLI_SESSION__: input.session,
    },
    usedExtraArgs: input.extraArgs.length > 0,
  };
}
