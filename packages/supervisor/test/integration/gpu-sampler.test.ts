// The nvidia-smi sampler against a fake nvidia-smi on PATH (a shell script answering as the real
// one does), and against a PATH without one.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGpuSampler as createSampler,
  type GpuSamplerOptions,
} from '../../src/watchdogs/gpu-sampler.ts';

const dirs: string[] = [];
const samplers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const sampler of samplers.splice(0)) sampler.close(); // its shell ends
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function createGpuSampler(options: GpuSamplerOptions) {
  const sampler = createSampler(options);
  samplers.push(sampler);
  return sampler;
}

/** A folder holding an executable `nvidia-smi` with this shell body; its PATH. */
function fakeNvidiaSmi(body: string): { PATH: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-nvsmi-'));
  dirs.push(dir);
  const file = join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return { PATH: `${dir}:/usr/bin:/bin`, dir };
}

function logs() {
  const lines: string[] = [];
  const logger = {
    debug() {},
    info: (m: string) => void lines.push(`info: ${m}`),
    warn: (m: string) => void lines.push(`warn: ${m}`),
    error() {},
  };
  return { lines, logger };
}

const ANSWER = `case "$1" in
  --query-compute-apps=pid,used_memory) [ "$2" = "--format=csv,noheader,nounits" ] || exit 2
    printf '4242, 10240\\n4243, 512\\n999, 70000\\n4244, [N/A]\\n' ;;
  --query-gpu=name) printf 'NVIDIA GeForce RTX 4090\\nNVIDIA A100\\n' ;;
  *) exit 2 ;;
esac`;

describe('nvidia-smi sampler', () => {
  it("sums the used memory of ComfyUI's pids only, exactly MiB × 1048576, and names the GPU", async () => {
    const { PATH } = fakeNvidiaSmi(ANSWER);
    const gpu = createGpuSampler({ env: { PATH } });
    expect(await gpu.sample(new Set([4242, 4243, 4244]))).toEqual({
      kind: 'ok',
      bytes: (10240 + 512) * 1048576,
      processes: 2,
    });
    expect(await gpu.sample(new Set([1]))).toEqual({ kind: 'ok', bytes: 0, processes: 0 });
    expect(await gpu.gpuName()).toBe('NVIDIA GeForce RTX 4090');
  });

  it('no nvidia-smi on PATH: unavailable, said once in the log', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'comfyvisor-nopath-'));
    dirs.push(empty);
    const { lines, logger } = logs();
    const gpu = createGpuSampler({ env: { PATH: empty }, logger });
    expect(await gpu.sample(new Set([1]))).toEqual({ kind: 'unavailable' });
    expect(await gpu.sample(new Set([1]))).toEqual({ kind: 'unavailable' });
    expect(await gpu.gpuName()).toBeNull();
    expect(lines).toEqual(['info: nvidia-smi is not on PATH: the VRAM watchdog and the GPU figure are off']);
  });

  it('a failing or hanging nvidia-smi is a failed sample, logged once per run of failures', async () => {
    const fake = fakeNvidiaSmi(`[ -f "$(dirname "$0")/hang" ] && exec sleep 30
echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." ; exit 9`);
    const { lines, logger } = logs();
    const gpu = createGpuSampler({ env: { PATH: fake.PATH }, logger, timeoutMs: 500 });
    expect(await gpu.sample(new Set([1]))).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/code 9/),
    });
    expect(await gpu.sample(new Set([1]))).toMatchObject({ kind: 'failed' });
    writeFileSync(join(fake.dir, 'hang'), '');
    expect(await gpu.sample(new Set([1]))).toEqual({ kind: 'failed', reason: 'timed out after 500 ms' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn: nvidia-smi failed: .*code 9/);
  });
});
