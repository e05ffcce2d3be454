import type { ComfyuiExit, ComfyuiProcess } from './comfyui-process.ts';
import type { CoreParts } from './core-parts.ts';
import { decideExit } from './exit-policy.ts';
import { acceptRequest } from './switch-intake.ts';

/** After ComfyUI's own exit: stop with a code, or start `env` (the same, or a switch's target). */
export type AfterExit = { next: 'stop'; code: number } | { next: 'start'; env: string };

/**
 * Acts on an exit of ComfyUI (wire): 0 stops (a restart when ComfyUI-Manager left its marker), 42
 * restarts, 43 takes the switch request, anything else is a crash for the crash policy.
 */
export async function actOnExit(
  parts: CoreParts,
  run: { env: string; exit: ComfyuiExit; proc: ComfyuiProcess; usedExtraArgs: boolean; signal: AbortSignal },
): Promise<AfterExit> {
  const { logger, store, record } = parts;
  const { env, exit, proc } = run;
  const action = decideExit(exit, exit.code === 0 && (await store.takeRebootMarker()));
  record({
    type: 'comfyui_exit',
    env,
    pid: proc.pid,
    code: exit.code,
    signal: exit.signal,
    meaning: action.action,
  });
  switch (action.action) {
    case 'stop':
      logger.info('ComfyUI exited cleanly; stopping');
      return { next: 'stop', code: 0 };
    case 'restart':
      logger.info(
        action.reason === 'manager'
          ? 'ComfyUI-Manager asked for a restart; restarting'
          : 'restart requested (exit 42); syncing and starting again',
      );
      record({ type: 'restart', env, reason: action.reason });
      parts.recovery.reset();
      return { next: 'start', env };
    case 'switch': {
      const found = await parts.switches.takeSwitchRequest();
      return { next: 'start', env: await acceptRequest(parts.flow, found, env) };
    }
    case 'crash': {
      const code = await parts.recovery.afterFailure(env, exit, proc, run.usedExtraArgs, 'crash', run.signal);
      return code === null ? { next: 'start', env } : { next: 'stop', code };
    }
  }
}
