// Counterparts of the Python suite's testing/unit/test_workspace_config.py (TestWorkspaceConfiguration).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import { type Config, configToWire, DEFAULT_CONFIG, loadConfig, readConfig } from './config.ts';

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
    expect(onDisk.comfyui).toEqual({
      default_port: 8188,
      default_host: '127.0.0.1',
      extra_args: [],
      env: {},
    });
    expect(onDisk.environments).toEqual({});
  });

  it('test_load_config_returns_defaults_structure', () => {
    expect(Object.keys(configToWire(DEFAULT_CONFIG as never))).toEqual([
      'version',
      'orchestrator',
      'comfyui',
      'frontend',
      'environments',
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

describe('keys of the drain, watchdog and per-environment issues (17, 18, 20)', () => {
  it('have their defaults, are written to a new file, and old files without them still load', async () => {
    expect(DEFAULT_CONFIG.orchestrator).toMatchObject({
      drainEnabled: true,
      drainTimeoutS: 900,
      drainOnSigterm: false,
      requeuePending: true,
      livenessBusyTimeoutS: 600,
      fatalOutputPatterns: [
        'CUDA error: an illegal memory access was encountered',
        'device-side assert triggered',
      ],
      restartRssMb: 0,
      restartVramMb: 0,
      restartDailyAt: [],
      idleFreeS: 0,
      hooks: [],
    });
    expect(DEFAULT_CONFIG.comfyui.env).toEqual({});
    expect(DEFAULT_CONFIG.environments).toEqual({});
    const dir = tempMetadataDir();
    await loadConfig(dir);
    expect(JSON.parse(readFileSync(file(dir), 'utf8')).orchestrator).toMatchObject({
      drain_timeout_s: 900,
      liveness_busy_timeout_s: 600,
      restart_daily_at: [],
      hooks: [],
    });
    const old = {
      version: '1.0',
      orchestrator: { control_port: 5050, log_level: 'info' },
      comfyui: { default_port: 8188, default_host: '127.0.0.1', extra_args: [] },
      frontend: { emergency_threshold_normal_s: 10, emergency_threshold_switching_s: 60 },
    };
    writeFileSync(file(dir), JSON.stringify(old));
    const logger = warnings();
    expect(await loadConfig(dir, { logger })).toEqual(DEFAULT_CONFIG);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('user values are read back, in TypeScript names, and written back under their wire names', async () => {
    const dir = tempMetadataDir();
    const user = {
      orchestrator: {
        drain_enabled: false,
        drain_timeout_s: 0,
        drain_on_sigterm: true,
        requeue_pending: false,
        liveness_busy_timeout_s: 1200,
        fatal_output_patterns: ['^Killed$', 'out of memory'],
        restart_rss_mb: 24_000,
        restart_vram_mb: 20_000.5,
        restart_daily_at: ['04:00', '16:30:15'],
        idle_free_s: 300,
        hooks: [
          { on: ['give_up', 'hung'], run: ['/usr/local/bin/page-me', '--loud'] },
          { on: ['*'], url: 'http://127.0.0.1:9/ntfy' },
        ],
      },
      comfyui: { env: { PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True' } },
      environments: { env1: { extra_args: ['--lowvram'], env: { CUDA_VISIBLE_DEVICES: '1' } }, env2: {} },
    };
    writeFileSync(file(dir), JSON.stringify(user));
    const logger = warnings();
    const config = (await readConfig(dir, { logger })) as Config;
    expect(logger.warn).not.toHaveBeenCalled();
    expect(config.orchestrator).toMatchObject({
      drainEnabled: false,
      drainTimeoutS: 0,
      drainOnSigterm: true,
      requeuePending: false,
      livenessBusyTimeoutS: 1200,
      fatalOutputPatterns: ['^Killed$', 'out of memory'],
      restartRssMb: 24_000,
      restartVramMb: 20_000.5,
      restartDailyAt: ['04:00', '16:30:15'],
      idleFreeS: 300,
      hooks: user.orchestrator.hooks,
    });
    expect(config.comfyui.env).toEqual(user.comfyui.env);
    expect(config.environments).toEqual({
      env1: { extraArgs: ['--lowvram'], env: { CUDA_VISIBLE_DEVICES: '1' } },
      env2: { extraArgs: [], env: {} },
    });
    expect(config.extra).toEqual({});
    const wire = configToWire(config);
    expect(wire).toMatchObject({ orchestrator: user.orchestrator, comfyui: user.comfyui });
    expect(wire.environments).toEqual({
      env1: user.environments.env1,
      env2: { extra_args: [], env: {} },
    });
  });

  it('an invalid regex is dropped with one warning and the good patterns kept; never a throw', async () => {
    const dir = tempMetadataDir();
    const patterns = ['ok line', '(unclosed', '', 42, '[z-a]', 'x'.repeat(1001)];
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { fatal_output_patterns: patterns } }));
    const logger = warnings();
    const config = await loadConfig(dir, { logger });
    expect(config.orchestrator.fatalOutputPatterns).toEqual(['ok line']);
    const lines = logger.warn.mock.calls.map((c) => c[0]);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /fatal_output_patterns\[1\] = "\(unclosed" dropped \(not a valid regular expression/,
    );
    for (const line of lines) expect(line.length).toBeLessThan(250);
  });

  it('restart_daily_at takes "HH:MM" and "HH:MM:SS"; other entries are refused with a warning each', async () => {
    const dir = tempMetadataDir();
    const times = ['00:00', '23:59:59', '24:00', '7:00', '12:60', '12:00:60', 'noon', 1200, '12:00 '];
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { restart_daily_at: times } }));
    const logger = warnings();
    const config = await loadConfig(dir, { logger });
    expect(config.orchestrator.restartDailyAt).toEqual(['00:00', '23:59:59']);
    expect(logger.warn).toHaveBeenCalledTimes(7);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/restart_daily_at\[2\] = "24:00" dropped/),
    );
  });

  it('a key of the wrong shape falls back to its default with one warning', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      file(dir),
      JSON.stringify({
        orchestrator: {
          fatal_output_patterns: 'CUDA',
          restart_daily_at: '04:00',
          hooks: { on: ['*'] },
          restart_rss_mb: -1,
          idle_free_s: 'soon',
          drain_timeout_s: 1e9,
          drain_on_sigterm: 'yes',
        },
        comfyui: { env: ['A=1'] },
        environments: ['env1'],
      }),
    );
    const logger = warnings();
    const config = await loadConfig(dir, { logger });
    expect(config).toEqual({ ...DEFAULT_CONFIG, extra: {} });
    const lines = logger.warn.mock.calls.map((c) => c[0]);
    expect(lines).toHaveLength(9);
    expect(lines).toContainEqual(
      expect.stringMatching(/fatal_output_patterns = "CUDA" refused .*using \["CUDA error/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/comfyui\.env = \["A=1"\] refused \(expected an object/),
    );
  });

  it('hooks: a bad entry is dropped with a warning naming it; the good ones are kept', async () => {
    const dir = tempMetadataDir();
    const good = { on: ['give_up'], url: 'https://example.invalid/hook' };
    const hooks = [
      good,
      { on: ['*'] }, // neither run nor url
      { on: ['*'], run: ['a'], url: 'http://x' }, // both
      { on: [], run: ['a'] }, // no event types
      { on: ['*'], run: [] }, // empty argv
      { on: ['*'], url: 'file:///etc/passwd' },
      { on: ['*'], run: 'notify-send done' }, // a shell string, not an argv
      'curl',
    ];
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { hooks } }));
    const logger = warnings();
    expect((await loadConfig(dir, { logger })).orchestrator.hooks).toEqual([good]);
    const lines = logger.warn.mock.calls.map((c) => c[0]);
    expect(lines).toHaveLength(7);
    for (const [i, line] of lines.entries()) expect(line).toContain(`orchestrator.hooks[${i + 1}] =`);
    expect(lines[4]).toMatch(/url/);
  });

  it('env variables: a bad name or a non-string value is dropped alone; environments likewise', async () => {
    const dir = tempMetadataDir();
    writeFileSync(
      file(dir),
      JSON.stringify({
        comfyui: { env: { GOOD: 'x', CUDA_VISIBLE_DEVICES: 0, 'A=B': 'y', EMPTY: '' } },
        environments: {
          env1: { extra_args: '--lowvram', env: { X: '1', Y: null } },
          env2: 'fast',
          env3: { env: [] },
        },
      }),
    );
    const logger = warnings();
    const config = await loadConfig(dir, { logger });
    expect(config.comfyui.env).toEqual({ GOOD: 'x', EMPTY: '' });
    expect(config.environments).toEqual({
      env1: { extraArgs: [], env: { X: '1' } },
      env3: { extraArgs: [], env: {} },
    });
    const lines = logger.warn.mock.calls.map((c) => c[0]);
    expect(lines).toHaveLength(6);
    expect(lines).toContainEqual(
      expect.stringMatching(/comfyui\.env\."CUDA_VISIBLE_DEVICES" = 0 dropped \(not a string/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/environments\."env2" = "fast" dropped/));
  });
});

describe('readConfig (read, never create)', () => {
  it('a missing file reads as null, and nothing is written or logged', async () => {
    const dir = tempMetadataDir();
    const logger = warnings();
    expect(await readConfig(dir, { logger })).toBeNull();
    expect(existsSync(file(dir))).toBe(false);
    expect(logger.info).not.toHaveBeenCalled();
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('an existing file is read like loadConfig reads it, a corrupt one left alone', async () => {
    const dir = tempMetadataDir();
    writeFileSync(file(dir), JSON.stringify({ orchestrator: { stop_grace_s: 3 } }));
    expect((await readConfig(dir))?.orchestrator.stopGraceS).toBe(3);
    writeFileSync(file(dir), '{corrupt');
    const logger = warnings();
    expect(await readConfig(dir, { logger })).toEqual(DEFAULT_CONFIG);
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(readFileSync(file(dir), 'utf8')).toBe('{corrupt');
  });
});
