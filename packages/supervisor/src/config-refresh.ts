import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, type Logger, loadConfig } from '@comfyvisor/ipc-files';
import { type Settings, settingsFrom } from './settings.ts';

/**
 * `orchestrator_config.json` read again when it changed (size or modification time) since the last
 * look: before each start of ComfyUI, so arguments, variables and the drain and watchdog keys saved
 * by the panel apply at the next start. Unchanged, it costs one stat. `overrides` (the command
 * line's) stay on top.
 */
export function configRefresher(
  dir: string,
  overrides: Partial<Settings> | undefined,
  logger: Logger,
): () => Promise<Partial<Settings> | null> {
  const file = join(dir, FILE_NAMES.config);
  let seen = '';
  const look = async () => {
    const s = await stat(file).catch(() => null);
    return s ? `${s.size}:${s.mtimeMs}` : 'missing';
  };
  const first = look().then((v) => {
    seen = v;
  });
  return async () => {
    await first;
    const now = await look();
    if (now === seen) return null;
    seen = now;
    logger.info('the config changed; this start uses it');
    // never the port range or the control server: those are bound once, for the process's life
    const {
      controlPortRange: _range,
      controlServer: _server,
      ...fresh
    } = settingsFrom(await loadConfig(dir, { logger }));
    return { ...fresh, ...overrides };
  };
}
