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
 * for its reboot marker. `extraArgs` are the config's (global, then the environment's own);
 * `extraEnv` the config's variables (`comfyui.env`, then the environment's own) over ours.
 */
export function planLaunch(input: {
  target: LaunchTarget;
  torchVersion: string | null;
  platform: NodeJS.Platform;
  extraArgs: readonly string[];
  args: readonly string[];
  baseEnv: NodeJS.ProcessEnv;
  extraEnv?: Readonly<Record<string, string>> | undefined;
  session: string;
}): LaunchPlan {
  const flags = backendFlags(input.torchVersion, input.platform);
  return {
    command: input.target.python,
    args: [input.target.mainPy, ...flags, ...input.extraArgs, ...input.args],
    cwd: input.target.comfyuiDir,
    env: {
      // a hung ComfyUI's thread stacks can be dumped before it is killed (stack-dump.ts)
      PYTHONFAULTHANDLER: '1',
      ...input.baseEnv,
      // as the reference (b07ed21): ComfyUI's output stays UTF-8 on a Windows console code page
      ...(input.platform === 'win32' ? { PYTHONIOENCODING: 'utf-8' } : {}),
      ...input.extraEnv,
      COMFYGIT_SUPERVISED: '1',
      __COMFY_CLI_SESSION__: input.session,
    },
    usedExtraArgs: input.extraArgs.length > 0,
  };
}

/** The config's extra args and variables for `env`: the global ones, then the environment's own. */
export function configFor(
  settings: {
    extraArgs: string[];
    comfyuiEnv: Record<string, string>;
    environments: Record<string, { extraArgs: string[]; env: Record<string, string> }>;
  },
  env: string,
): { extraArgs: string[]; extraEnv: Record<string, string> } {
  const own = Object.hasOwn(settings.environments, env) ? settings.environments[env] : undefined;
  return {
    extraArgs: [...settings.extraArgs, ...(own?.extraArgs ?? [])],
    extraEnv: { ...settings.comfyuiEnv, ...(own?.env ?? {}) },
  };
}
