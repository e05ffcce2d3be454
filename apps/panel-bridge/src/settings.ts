import { join } from 'node:path';
import { validateEnvironmentName } from '@comfyvisor/detection';
import {
  type ConfigUpdate,
  type ConfigWire,
  configToWire,
  DEFAULT_CONFIG,
  FILE_NAMES,
  metadataDir,
  readConfig,
  updateConfig,
} from '@comfyvisor/ipc-files';

/** The keys of the `orchestrator` section the dashboard edits: the drain and the watchdogs. */
export const SETTINGS_ORCHESTRATOR_KEYS = [
  'drain_enabled',
  'drain_timeout_s',
  'requeue_pending',
  'liveness_busy_timeout_s',
  'restart_rss_mb',
  'restart_vram_mb',
  'restart_daily_at',
  'idle_free_s',
  'fatal_output_patterns',
] as const;
const COMFYUI_KEYS = ['extra_args', 'env'] as const;
const ENVIRONMENT_KEYS = ['extra_args', 'env'];

export const APPLIES_AT = 'the next start of ComfyUI';

/** `GET /v2/comfyvisor/settings`: what the settings panel edits, as in the file (defaults filled in). */
export interface SettingsBody {
  path: string;
  comfyui: { extra_args: string[]; env: Record<string, string> };
  orchestrator: Record<(typeof SETTINGS_ORCHESTRATOR_KEYS)[number], unknown>;
  environments: Record<string, { extra_args: string[]; env: Record<string, string> }>;
  applies_at: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const pick = <K extends string>(from: Record<string, unknown>, keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, from[key]])) as Record<K, unknown>;

/** The settings as the loader reads them (a missing file is the defaults; nothing is written). */
export async function readSettings(workspace: string): Promise<SettingsBody> {
  const dir = metadataDir(workspace);
  const wire = configToWire((await readConfig(dir)) ?? structuredClone(DEFAULT_CONFIG));
  return {
    path: join(dir, FILE_NAMES.config),
    comfyui: pick(wire.comfyui as Record<string, unknown>, COMFYUI_KEYS) as SettingsBody['comfyui'],
    orchestrator: pick(wire.orchestrator as Record<string, unknown>, SETTINGS_ORCHESTRATOR_KEYS),
    environments: wire.environments as SettingsBody['environments'],
    applies_at: APPLIES_AT,
  };
}

/** Why a settings change cannot be taken at all (before the config's own rules), or null. */
export function settingsShapeRefusal(body: unknown): string | null {
  if (!isObject(body)) return 'the body is not a JSON object';
  const allowed: Record<string, readonly string[]> = {
    comfyui: COMFYUI_KEYS,
    orchestrator: SETTINGS_ORCHESTRATOR_KEYS,
  };
  for (const [section, value] of Object.entries(body)) {
    if (section === 'environments') continue;
    const keys = allowed[section];
    if (!keys) return `"${section.slice(0, 60)}" is not a section the settings change`;
    if (!isObject(value)) return `${section} is not an object`;
    const other = Object.keys(value).find((key) => !keys.includes(key));
    if (other !== undefined) return `${section}.${other.slice(0, 60)} cannot be changed here`;
  }
  if (body.environments === undefined) return null;
  if (!isObject(body.environments)) return 'environments is not an object';
  for (const [name, entry] of Object.entries(body.environments)) {
    const check = validateEnvironmentName(name);
    if (!check.ok) return `environments: ${check.reason}`;
    if (entry === null) continue;
    if (!isObject(entry)) return `environments.${name} is not an object (or null to remove it)`;
    const other = Object.keys(entry).find((key) => !ENVIRONMENT_KEYS.includes(key));
    if (other !== undefined) return `environments.${name}.${other.slice(0, 60)} cannot be changed here`;
  }
  return null;
}

/** The file's JSON with the change laid over it: keys replaced, an environment set to null removed. */
function applyChange(wire: ConfigWire, change: Record<string, unknown>): ConfigWire {
  for (const section of ['comfyui', 'orchestrator'] as const) {
    const given = change[section];
    if (!isObject(given)) continue;
    wire[section] = { ...(isObject(wire[section]) ? wire[section] : {}), ...given };
  }
  if (isObject(change.environments)) {
    const environments = isObject(wire.environments) ? { ...wire.environments } : {};
    for (const [name, entry] of Object.entries(change.environments)) {
      if (entry === null) delete environments[name];
      else environments[name] = { ...(isObject(environments[name]) ? environments[name] : {}), ...entry };
    }
    wire.environments = environments;
  }
  return wire;
}

/** `POST /v2/comfyvisor/settings`: checks the change, then writes it atomically (see updateConfig). */
export async function saveSettings(workspace: string, body: unknown): Promise<ConfigUpdate> {
  const refused = settingsShapeRefusal(body);
  if (refused !== null) return { ok: false, reason: 'invalid', message: refused };
  return updateConfig(metadataDir(workspace), (wire) => applyChange(wire, body as Record<string, unknown>));
}
