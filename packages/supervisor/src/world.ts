import { type Clock, systemClock } from '@comfyvisor/health';

/**
 * What the supervisor reads from the world, injected so unit tests run without disk, processes or
 * waiting. `clock` is monotonic and drives every interval and timer; `wallNow` is used only to
 * stamp the protocol's files (float seconds since the epoch on disk).
 */
export interface World {
  /** @default health's systemClock (performance.now, timers) */
  clock: Clock;
  /** ms since the epoch. @default Date.now */
  wallNow: () => number;
  /** @default process.pid */
  pid: number;
  /** @default process.platform */
  platform: NodeJS.Platform;
  /** The environment ComfyUI inherits. @default process.env */
  env: NodeJS.ProcessEnv;
}

export function worldFrom(partial: Partial<World> = {}): World {
  return {
    clock: partial.clock ?? systemClock,
    wallNow: partial.wallNow ?? Date.now,
    pid: partial.pid ?? process.pid,
    platform: partial.platform ?? process.platform,
    env: partial.env ?? process.env,
  };
}
