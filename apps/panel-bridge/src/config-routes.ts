import {
  DEFAULT_CONFIG,
  extraArgsRefusal,
  metadataDir,
  readConfig,
  updateConfig,
} from '@comfyvisor/ipc-files';
import type { Context } from 'hono';
import {
  DEFAULT_LOG_LINES,
  MAX_LOG_LINES,
  orchestratorLogLocation,
  parseLevel,
  readOrchestratorLogs,
} from './orchestrator-logs.ts';
import { APPLIES_AT, readSettings, saveSettings } from './settings.ts';

export type RouteRegistrar = (
  method: 'GET' | 'POST',
  path: string,
  handler: (c: Context) => Promise<Response>,
) => void;

/** The reference's fields that need ComfyGit's core: always null here, and never written. */
const CORE_FIELDS = ['models_path', 'civitai_api_key', 'huggingface_token'] as const;

async function jsonObject(c: Context): Promise<Record<string, unknown> | null> {
  try {
    const body = (await c.req.json()) as unknown;
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** `POST /v2/comfygit/config`'s checks of `comfyui_extra_args`, the reference's words first. */
function extraArgsError(value: unknown): string | null {
  if (!Array.isArray(value)) return 'comfyui_extra_args must be a list of strings';
  if (!value.every((arg) => typeof arg === 'string')) return 'comfyui_extra_args must contain only strings';
  const why = extraArgsRefusal(value);
  return why === null ? null : `comfyui_extra_args: ${why}`;
}

/**
 * `GET/POST /v2/comfygit/config` as the reference's `server/api/v2/config.py` answers them (only
 * `comfyui_extra_args` is ours to read and write), the dashboard's own
 * `GET/POST /v2/comfyvisor/settings`, and the reference's orchestrator-log routes.
 */
export function configRoutes(workspace: string, route: RouteRegistrar): void {
  comfygitConfigRoutes(workspace, route);
  settingsRoutes(workspace, route);
  orchestratorLogRoutes(workspace, route);
}

function comfygitConfigRoutes(workspace: string, route: RouteRegistrar): void {
  route('GET', '/v2/comfygit/config', async (c) => {
    const config = (await readConfig(metadataDir(workspace))) ?? DEFAULT_CONFIG;
    return c.json({
      workspace_path: workspace,
      ...Object.fromEntries(CORE_FIELDS.map((field) => [field, null])),
      auto_sync_models: true,
      confirm_destructive: true,
      comfyui_extra_args: config.comfyui.extraArgs,
    });
  });

  route('POST', '/v2/comfygit/config', async (c) => {
    const body = await jsonObject(c);
    if (!body) return c.json({ error: 'Invalid JSON' }, 400);
    const ignored = Object.keys(body).filter((key) => key !== 'comfyui_extra_args');
    if ('comfyui_extra_args' in body) {
      const args = body.comfyui_extra_args;
      const error = extraArgsError(args);
      if (error) return c.json({ error }, 400);
      const result = await updateConfig(metadataDir(workspace), (wire) => {
        const comfyui = wire.comfyui && typeof wire.comfyui === 'object' ? wire.comfyui : {};
        return { ...wire, comfyui: { ...comfyui, extra_args: args } };
      });
      if (!result.ok) return c.json({ error: result.message }, result.reason === 'unreadable' ? 409 : 400);
    }
    return c.json({ status: 'updated', ...(ignored.length > 0 ? { ignored } : {}) });
  });
}

function settingsRoutes(workspace: string, route: RouteRegistrar): void {
  route('GET', '/v2/comfyvisor/settings', async (c) => c.json(await readSettings(workspace)));
  route('POST', '/v2/comfyvisor/settings', async (c) => {
    const body = await jsonObject(c);
    if (!body) return c.json({ error: 'invalid_settings', message: 'the body is not a JSON object' }, 400);
    const result = await saveSettings(workspace, body);
    if (!result.ok) {
      const unreadable = result.reason === 'unreadable';
      return c.json(
        { error: unreadable ? 'config_unreadable' : 'invalid_settings', message: result.message },
        unreadable ? 409 : 400,
      );
    }
    return c.json({
      status: 'saved',
      message: `Saved. It applies at ${APPLIES_AT}.`,
      settings: await readSettings(workspace),
    });
  });
}

/** `lines` as given (default 500, at most 10000) and `level` (ERROR, WARNING or WARN, INFO, DEBUG). */
function orchestratorLogRoutes(workspace: string, route: RouteRegistrar): void {
  route('GET', '/v2/workspace/debug/orchestrator-logs', async (c) => {
    const linesText = c.req.query('lines');
    const lines = linesText === undefined ? DEFAULT_LOG_LINES : Number(linesText);
    if (!Number.isInteger(lines) || lines < 1)
      return c.json({ error: `lines must be a whole number from 1 to ${MAX_LOG_LINES}` }, 400);
    const levelText = c.req.query('level');
    const level = levelText ? parseLevel(levelText) : null;
    if (levelText && !level)
      return c.json({ error: 'level must be one of ERROR, WARNING, INFO, DEBUG' }, 400);
    return c.json(await readOrchestratorLogs(workspace, { lines: Math.min(lines, MAX_LOG_LINES), level }));
  });
  route('GET', '/v2/workspace/debug/orchestrator-logs/path', async (c) =>
    c.json(orchestratorLogLocation(workspace)),
  );
}
