import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createMetrics, escapeLabel } from './metrics.ts';

const memory = () => ({ rss: 40_000_000, heapUsed: 5_000_000, heapTotal: 8_000_000, external: 2_000_000 });
const running = { comfyuiRunning: true, comfyuiUptimeMs: 12_500, currentEnv: 'env1' };

function parse(text: string): Map<string, ParsedFamily> {
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
}

function value(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}) {
  const family = families.get(name);
  if (!family) throw new Error(`no family ${name}`);
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!sample) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return sample;
}

describe('createMetrics', () => {
  it('counts restarts by reason, crashes, hangs and switches by outcome, in parseable text', () => {
    const metrics = createMetrics({ now: () => 1_700_000_000_000, memory });
    const r = metrics.record;
    r({ type: 'supervisor_start', env: 'env1', pid: 10 });
    r({ type: 'comfyui_start', env: 'env1', pid: 11 });
    r({ type: 'comfyui_exit', env: 'env1', pid: 11, code: 42, signal: null, meaning: 'restart' });
    r({ type: 'restart', env: 'env1', reason: 'exit_42' });
    r({ type: 'comfyui_start', env: 'env1', pid: 12 });
    r({ type: 'comfyui_exit', env: 'env1', pid: 12, code: 1, signal: null, meaning: 'crash' });
    r({ type: 'backoff', env: 'env1', delayMs: 1000, crashes: 1 });
    r({ type: 'restart', env: 'env1', reason: 'crash' });
    r({ type: 'hung', env: 'env1', pid: 13, failures: 3 });
    r({ type: 'restart', env: 'env1', reason: 'hung' });
    r({ type: 'switch_start', target: 'env2', source: 'env1' });
    r({ type: 'health', env: 'env2', healthy: false, afterMs: 7_000 });
    r({ type: 'switch_end', target: 'env2', source: 'env1', outcome: 'rolled_back', durationMs: 8_000 });
    r({ type: 'health', env: 'env1', healthy: true, afterMs: 400 });
    r({ type: 'switch_end', target: 'env1', source: 'env2', outcome: 'complete', durationMs: 1_500 });

    const families = parse(metrics.text(running));
    expect(value(families, 'comfyvisor_comfyui_up', { environment: 'env1' }).value).toBe('1');
    expect(value(families, 'comfyvisor_comfyui_uptime_seconds').value).toBe('12.5');
    expect(value(families, 'comfyvisor_comfyui_starts_total').value).toBe('2');
    expect(families.get('comfyvisor_restarts_total')?.type).toBe('COUNTER');
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'exit_42' }).value).toBe('1');
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'crash' }).value).toBe('1');
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'hung' }).value).toBe('1');
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'manager' }).value).toBe('0');
    expect(value(families, 'comfyvisor_crashes_total').value).toBe('1');
    expect(value(families, 'comfyvisor_hangs_total').value).toBe('1');
    expect(value(families, 'comfyvisor_switches_total', { outcome: 'rolled_back' }).value).toBe('1');
    expect(value(families, 'comfyvisor_switches_total', { outcome: 'complete' }).value).toBe('1');
    expect(value(families, 'comfyvisor_switches_total', { outcome: 'critical_failure' }).value).toBe('0');
    const duration = value(families, 'comfyvisor_switch_duration_seconds');
    expect(families.get('comfyvisor_switch_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(duration).toMatchObject({ count: '2', sum: '9.5' });
    expect(duration.buckets).toMatchObject({ '1': '0', '2': '1', '5': '1', '10': '2', '600': '2' });
    const health = value(families, 'comfyvisor_health_check_duration_seconds');
    expect(health).toMatchObject({ count: '2', sum: '7.4' });
    expect(health.buckets).toMatchObject({ '0.25': '0', '0.5': '1', '5': '1', '10': '2' });
    expect(value(families, 'comfyvisor_health_checks_total', { result: 'unhealthy' }).value).toBe('1');
    expect(value(families, 'comfyvisor_process_resident_memory_bytes').value).toBe('40000000');
    expect(value(families, 'comfyvisor_process_heap_bytes', { kind: 'used' }).value).toBe('5000000');
    expect(value(families, 'comfyvisor_process_heap_bytes', { kind: 'external' }).value).toBe('2000000');
    expect(value(families, 'comfyvisor_process_start_time_seconds').value).toBe('1700000000');
    for (const family of families.values()) {
      expect(family.name).toMatch(/^comfyvisor_[a-z_]+$/);
      expect(family.help).not.toBe('');
    }
  });

  it("counts the watchdogs' restarts; ComfyUI's memory and VRAM gauges exactly as given", () => {
    const metrics = createMetrics({ now: () => 1_700_000_000_000, memory });
    metrics.record({ type: 'restart', env: 'env1', reason: 'fatal_output', line: 'CUDA error' });
    metrics.record({ type: 'restart', env: 'env1', reason: 'memory', bytes: 3, limitBytes: 2 });
    metrics.record({ type: 'restart', env: 'env1', reason: 'memory', bytes: 3, limitBytes: 2 });
    const families = parse(
      metrics.text({ ...running, comfyuiResidentBytes: 123_456_789, comfyuiGpuBytes: 1234 * 1_048_576 }),
    );
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'fatal_output' }).value).toBe('1');
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'memory' }).value).toBe('2');
    for (const reason of ['vram', 'schedule'])
      expect(value(families, 'comfyvisor_restarts_total', { reason }).value).toBe('0');
    const env = { environment: 'env1' };
    expect(value(families, 'comfyvisor_comfyui_resident_memory_bytes', env).value).toBe('123456789');
    expect(value(families, 'comfyvisor_comfyui_gpu_memory_bytes', env).value).toBe('1293942784');
    // unknown figures: no sample rather than a made-up 0
    const without = parse(metrics.text({ ...running, comfyuiResidentBytes: null }));
    expect(without.has('comfyvisor_comfyui_resident_memory_bytes')).toBe(false);
    expect(without.has('comfyvisor_comfyui_gpu_memory_bytes')).toBe(false);
  });

  it('answers a scrape during a restart (no ComfyUI) with up 0 and uptime 0', () => {
    const metrics = createMetrics({ memory });
    metrics.record({ type: 'restart', env: 'env1', reason: 'command' });
    const families = parse(
      metrics.text({ comfyuiRunning: false, comfyuiUptimeMs: 99_000, currentEnv: 'env1' }),
    );
    expect(value(families, 'comfyvisor_comfyui_up').value).toBe('0');
    expect(value(families, 'comfyvisor_comfyui_uptime_seconds').value).toBe('0');
    expect(value(families, 'comfyvisor_restarts_total', { reason: 'command' }).value).toBe('1');
  });

  it('uses the real process memory by default', () => {
    const families = parse(createMetrics().text(running));
    expect(Number(value(families, 'comfyvisor_process_resident_memory_bytes').value)).toBeGreaterThan(
      1_000_000,
    );
  });

  it('survives odd events and escapes odd environment names', () => {
    const metrics = createMetrics({ memory });
    const odd = metrics.record as (e: unknown) => void;
    odd({ type: 'switch_end', outcome: 'weird', durationMs: Number.NaN });
    odd({ type: 'health', healthy: true, afterMs: 'soon' });
    odd({ type: 'something_new' });
    const name = 'we"ird\\env\nx';
    const families = parse(metrics.text({ ...running, currentEnv: name }));
    expect(value(families, 'comfyvisor_comfyui_up').labels?.environment).toBe(name);
    expect(value(families, 'comfyvisor_switches_total', { outcome: 'weird' }).value).toBe('1');
    expect(value(families, 'comfyvisor_switch_duration_seconds').count).toBe('0');
    expect(escapeLabel('a"b')).toBe('a\\"b');
  });
});
