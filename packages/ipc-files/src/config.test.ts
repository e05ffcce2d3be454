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

  it('values out of range are refused, one warning each naming the key and the default used', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      file(dir),
      JSON.stringify({
        orchestrator: {
          health_check_timeout_s: -5,
          sync_timeout_s: 0,
          stop_grace_s: 1e7,
          control_port_range: [5100, 5050],
          control_port: 70000,
          crash_max_restarts: true,
          liveness_failures: 2.5,
          log_format: 'xml',
          events_max_kb: 'big',
        },
        comfyui: { default_port: 0 },
        frontend: { emergency_threshold_normal_s: null },
      }),
    );
    const logger = warnings();
    const config = await loadConfig(dir, { logger });
    expect(config).toEqual({ ...DEFAULT_CONFIG, extra: {} });
    const lines = logger.warn.mock.calls.map((c) => c[0]);
    expect(lines).toHaveLength(11);
    expect(lines).toContainEqual(expect.stringMatching(/stop_grace_s = 10000000 refused .*using 10$/));
    expect(lines).toContainEqual(expect.stringMatching(/control_port_range = \[5100, 5050\] refused/));
    expect(lines).toContainEqual(expect.stringMatching(/health_check_timeout_s = -5 refused .*using 180$/));
    expect(lines).toContainEqual(expect.stringMatching(/log_format = "xml" refused .*"text", "json"/));
    for (const line of lines) expect(line.length).toBeLessThan(200);
  });

  it('events_max_kb is kept within what readEvents reads (64 MiB)', async () => {
    const dir = tempMetadataDir();
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { events_max_kb: 65_537 } }));
    const logger = warnings();
    expect((await loadConfig(dir, { logger })).orchestrator.eventsMaxKb).toBe(1024);
    expect(logger.warn).toHaveBeenCalledOnce();
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { events_max_kb: 65_536 } }));
    expect((await loadConfig(dir, { logger: warnings() })).orchestrator.eventsMaxKb).toBe(65_536);
  });

  it('a port range outside 1-65535 is refused; values at the edges are accepted', async () => {
    const dir = tempMetadataDir();
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { control_port_range: [0, 10] } }));
    const logger = warnings();
    expect((await loadConfig(dir, { logger })).orchestrator.controlPortRange).toEqual([5050, 5100]);
    expect(logger.warn).toHaveBeenCalledOnce();
    writeFileSync(
      file(dir),
      JSON.stringify({ orchestrator: { control_port_range: [1, 65535], stop_grace_s: 3600, log_keep: 0 } }),
    );
    const edges = await loadConfig(dir, { logger });
    expect(edges.orchestrator).toMatchObject({ controlPortRange: [1, 65535], stopGraceS: 3600, logKeep: 0 });
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('the new keys of ours have their defaults, are written, and are read back', async () => {
    expect(DEFAULT_CONFIG.orchestrator).toMatchObject({
      livenessEnabled: true,
      livenessIntervalS: 10,
      livenessFailures: 3,
      livenessTimeoutS: 5,
      controlReplyDelayMs: 300,
      logMaxMb: 10,
      logKeep: 3,
      logFormat: 'text',
      eventsMaxKb: 1024,
    });
    const dir = tempMetadataDir();
    await loadConfig(dir);
    expect(JSON.parse(readFileSync(file(dir), 'utf8')).orchestrator).toMatchObject({
      liveness_enabled: true,
      log_format: 'text',
      events_max_kb: 1024,
    });
    writeFileSync(
      file(dir),
      JSON.stringify({ orchestrator: { log_format: 'json', liveness_enabled: false } }),
    );
    expect((await loadConfig(dir)).orchestrator).toMatchObject({ logFormat: 'json', livenessEnabled: false });
  });
});
