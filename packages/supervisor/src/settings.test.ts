import { type Config, DEFAULT_CONFIG } from '@comfyvisor/ipc-files';
import { describe, expect, it } from 'vitest';
import { settingsFrom } from './settings.ts';

describe('settings from the config', () => {
  it('the drain and watchdog keys in ms and bytes, with their defaults', () => {
    expect(settingsFrom(DEFAULT_CONFIG)).toMatchObject({
      drainEnabled: true,
      drainTimeoutMs: 900_000,
      drainOnSigterm: false,
      requeuePending: true,
      livenessBusyTimeoutMs: 600_000,
      fatalOutputPatterns: [
        'CUDA error: an illegal memory access was encountered',
        'device-side assert triggered',
      ],
      restartRssBytes: 0,
      restartVramBytes: 0,
      restartDailyAt: [],
      idleFreeMs: 0,
      watchdogIntervalMs: 10_000,
      hooks: [],
      comfyuiEnv: {},
      environments: {},
    });
  });

  it('MB are MiB (× 1048576), seconds become ms, per-environment entries pass through', () => {
    const config = structuredClone(DEFAULT_CONFIG) as Config;
    Object.assign(config.orchestrator, {
      restartRssMb: 24_000,
      restartVramMb: 0.5,
      idleFreeS: 1.5,
      drainTimeoutS: 0,
    });
    config.comfyui.env = { CUDA_VISIBLE_DEVICES: '0' };
    config.environments = { flux: { extraArgs: ['--lowvram'], env: { A: '1' } } };
    expect(settingsFrom(config)).toMatchObject({
      restartRssBytes: 24_000 * 1048576,
      restartVramBytes: 524_288,
      idleFreeMs: 1500,
      drainTimeoutMs: 0,
      comfyuiEnv: { CUDA_VISIBLE_DEVICES: '0' },
      environments: { flux: { extraArgs: ['--lowvram'], env: { A: '1' } } },
    });
  });
});
