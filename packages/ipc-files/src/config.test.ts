// Counterparts of the Python suite's testing/unit/test_workspace_config.py (TestWorkspaceConfiguration).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import { configToWire, DEFAULT_CONFIG, loadConfig } from './config.ts';

const file = (dir: string) => join(dir, 'orchestrator_config.json');
const fn = () => vi.fn<(message: string) => void>();
const warnings = () => ({ debug: fn(), info: fn(), warn: fn(), error: fn() });

describe('workspace config', () => {
  it('test_load_config_creates_default_when_missing', async () => {
    const dir = tempMetadataDir();
    const config = await loadConfig(dir);
    expect(config).toEqual(DEFAULT_CONFIG);
    const onDisk = JSON.parse(readFileSync(file(dir), 'utf8'));
    expect(onDisk.orchestrator.control_port_range).toEqual([5050, 5100]);
    expect(onDisk.comfyui).toEqual({ default_port: 8188, default_host: '127.0.0.1', extra_args: [] });
  });

  it('test_load_config_returns_defaults_structure', () => {
    expect(Object.keys(configToWire(DEFAULT_CONFIG as never))).toEqual([
      'version',
      'orchestrator',
      'comfyui',
      'frontend',
    ]);
    expect(DEFAULT_CONFIG.orchestrator).toMatchObject({
      controlPort: 5050,
      enableControlServer: true,
      logLevel: 'info',
      healthCheckTimeoutS: 180,
      syncTimeoutS: 600,
    });
    expect(DEFAULT_CONFIG.frontend).toEqual({
      emergencyThresholdNormalS: 10,
      emergencyThresholdSwitchingS: 60,
    });
  });

  it('test_load_config_merges_user_values_with_defaults (section by section, unknown kept)', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      file(dir),
      JSON.stringify({
        orchestrator: { control_port: 6000, my_key: 1 },
        comfyui: { extra_args: ['--lowvram'] },
        mine: { a: 1 },
      }),
    );
    const config = await loadConfig(dir);
    expect(config.orchestrator.controlPort).toBe(6000);
    expect(config.orchestrator.controlPortRange).toEqual([5050, 5100]);
    expect(config.comfyui).toMatchObject({ extraArgs: ['--lowvram'], defaultPort: 8188 });
    expect(config.extra).toEqual({ mine: { a: 1 } });
    expect(configToWire(config)).toMatchObject({
      orchestrator: { my_key: 1, control_port: 6000 },
      mine: { a: 1 },
    });
  });

  it('test_load_config_handles_corrupt_json: defaults, a warning, the file left alone', async () => {
    const dir = tempMetadataDir();
    writeFileSync(file(dir), '{corrupt');
    const logger = warnings();
    expect(await loadConfig(dir, { logger })).toEqual(DEFAULT_CONFIG);
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(readFileSync(file(dir), 'utf8')).toBe('{corrupt');
  });

  it('test_load_config_handles_empty_file', async () => {
    const dir = tempMetadataDir();
    writeFileSync(file(dir), '');
    expect(await loadConfig(dir, { logger: warnings() })).toEqual(DEFAULT_CONFIG);
  });

  it('test_load_config_preserves_nested_structures; wrong types fall back per key', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      file(dir),
      JSON.stringify({ orchestrator: { control_port_range: [6000, 6010], control_port: 'x' } }),
    );
    const logger = warnings();
    const config = await loadConfig(dir, { logger });
    expect(config.orchestrator.controlPortRange).toEqual([6000, 6010]);
    expect(config.orchestrator.controlPort).toBe(5050);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('control_port'));
  });

  it('test_default_config_has_correct_types, port range valid, timeouts positive', () => {
    const [low, high] = DEFAULT_CONFIG.orchestrator.controlPortRange;
    expect(low).toBeLessThanOrEqual(high);
    expect(DEFAULT_CONFIG.orchestrator.controlPort).toBeGreaterThanOrEqual(low);
    expect(DEFAULT_CONFIG.orchestrator.healthCheckTimeoutS).toBeGreaterThan(0);
    expect(DEFAULT_CONFIG.orchestrator.syncTimeoutS).toBeGreaterThan(0);
    expect(Array.isArray(DEFAULT_CONFIG.comfyui.extraArgs)).toBe(true);
  });

  it('test_load_config_does_not_mutate_defaults', async () => {
    const dir = tempMetadataDir();
    writeFileSync(file(dir), JSON.stringify({ comfyui: { extra_args: ['--a'] } }));
    const config = await loadConfig(dir);
    config.comfyui.extraArgs.push('--b');
    expect(DEFAULT_CONFIG.comfyui.extraArgs).toEqual([]);
    expect(Object.isFrozen(DEFAULT_CONFIG.orchestrator)).toBe(true);
    const fresh = await loadConfig(tempMetadataDir());
    fresh.orchestrator.controlPort = 1;
    expect(DEFAULT_CONFIG.orchestrator.controlPort).toBe(5050);
  });
});
