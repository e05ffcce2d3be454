import { homedir } from 'node:os';
import path from 'node:path';

/** What detection reads from the process, passed in so tests need no monkey-patching. */
export interface World {
  /** @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** @default process.cwd() */
  cwd?: string | undefined;
  /** @default os.homedir() */
  home?: string | undefined;
  /** @default process.platform */
  platform?: NodeJS.Platform | undefined;
}

export function resolveWorld(world: World = {}) {
  const platform = world.platform ?? process.platform;
  return {
    env: world.env ?? process.env,
    cwd: world.cwd ?? process.cwd(),
    home: world.home ?? homedir(),
    platform,
    path: platform === 'win32' ? path.win32 : path.posix,
  };
}
