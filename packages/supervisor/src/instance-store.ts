import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { checkEnvironment, getEnvironment } from '@comfyvisor/detection';
import type { LaunchTarget } from './launch-plan.ts';

export type EnvironmentLookup = { ok: true; target: LaunchTarget } | { ok: false; reason: string };

/** What ComfyUI's side learns of its start (`.startup_state.json` in a workspace). */
export interface StartupState {
  pythonExecutable: string;
  workingDirectory: string;
  argv: string[];
  environmentName: string;
  workspaceRoot: string;
  port: number;
}

/**
 * Where one supervised ComfyUI finds its environments, and what it leaves for ComfyUI's side: the
 * core's view of the world on disk. Reads never throw; removes never do.
 */
export interface InstanceStore {
  /** The environment `name` (any value from a request or a person) when it can be started. */
  environment(name: unknown): EnvironmentLookup;
  /** What is missing for the target to start (its interpreter, main.py), or null. */
  missingFiles(target: LaunchTarget): string | null;
  writeStartupState(state: StartupState): Promise<void>;
  readonly workspace: string;
  /** The path ComfyUI-Manager is told (`__COMFY_CLI_SESSION__`); it writes `<session>.reboot`. */
  readonly session: string;
  /** Whether ComfyUI-Manager left its reboot marker; removes it. */
  takeRebootMarker(): Promise<boolean>;
  /** Start-up and shut-down housekeeping (an old reboot marker). */
  tidy(): Promise<void>;
}

/**
 * The environments of a ComfyGit workspace, for one instance whose session path is `session`
 * (unique per instance: ComfyUI-Manager's reboot marker and the lifeline's mark). Writes no wire
 * file: the workspace adapter adds `.startup_state.json`.
 */
export function createInstanceStore(
  workspace: string,
  options: { session: string; platform: NodeJS.Platform },
): InstanceStore {
  const { session } = options;
  return {
    environment(name) {
      const check = checkEnvironment(workspace, name);
      if (!check.ok) return { ok: false, reason: check.message };
      const env = getEnvironment(workspace, check.name, { platform: options.platform });
      return {
        ok: true,
        target: {
          name: env.name,
          python: env.python,
          mainPy: env.mainPy,
          comfyuiDir: env.comfyuiDir,
          venvDir: env.venvDir,
        },
      };
    },
    missingFiles(target) {
      if (!existsSync(target.python)) return `${target.name} has no interpreter at ${target.python}`;
      if (!existsSync(target.mainPy)) return `${target.name} has no ComfyUI at ${target.mainPy}`;
      return null;
    },
    writeStartupState: async () => {},
    workspace,
    session,
    takeRebootMarker() {
      // Removed, it was there; a directory in its place (not removable so) is no marker, else every
      // later exit 0 would restart ComfyUI.
      return rm(`${session}.reboot`).then(
        () => true,
        () => false,
      );
    },
    async tidy() {
      await rm(`${session}.reboot`, { force: true }).catch(() => {});
    },
  };
}
