import { SWITCH_OUTCOMES } from '@comfyvisor/ipc-files';
import type { RecordEvent, SupervisorEvent } from './supervisor-event.ts';

/** What `/metrics` needs from the supervisor at the moment of a scrape. */
export interface MetricsSnapshot {
  comfyuiRunning: boolean;
  comfyuiUptimeMs: number;
  currentEnv: string;
}

export interface Metrics {
  /** Counts one event (pass it to the supervisor beside the event log). Never throws. */
  record: RecordEvent;
  /** The Prometheus text exposition format (version 0.0.4). */
  text(snapshot: MetricsSnapshot): string;
}

export interface MetricsOptions {
  /** ms since the epoch, for `comfyvisor_process_start_time_seconds`. @default Date.now */
  now?: (() => number) | undefined;
  /** @default process.memoryUsage */
  memory?: (() => { rss: number; heapUsed: number; heapTotal: number }) | undefined;
  /** Upper bounds (s) of the switch-duration histogram. @default [1, 2, 5, 10, 30, 60, 120, 300, 600] */
  switchBuckets?: number[] | undefined;
  /** Upper bounds (s) of the health-check histogram. @default [0.25, 0.5, 1, 2, 5, 10, 30, 60, 180] */
  healthBuckets?: number[] | undefined;
}

const RESTART_REASONS = ['exit_42', 'command', 'manager', 'crash', 'hung'] as const;

/** A cumulative histogram: counts per upper bound, plus sum and count. */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: number[]) {
    this.counts = bounds.map(() => 0);
  }
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.count++;
    this.bounds.forEach((bound, i) => {
      if (value <= bound) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }
  lines(name: string, labels = ''): string[] {
    const sep = labels ? `${labels},` : '';
    return [
      ...this.bounds.map((b, i) => `${name}_bucket{${sep}le="${formatNumber(b)}"} ${this.counts[i]}`),
      `${name}_bucket{${sep}le="+Inf"} ${this.count}`,
      `${name}_sum${labels ? `{${labels}}` : ''} ${formatNumber(this.sum)}`,
      `${name}_count${labels ? `{${labels}}` : ''} ${this.count}`,
    ];
  }
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(Math.round(n * 1e6) / 1e6);
}

/** A label value, escaped as the text format wants (backslash, quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function family(name: string, type: string, help: string, samples: string[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples].join('\n');
}

/**
 * The supervisor's metrics, kept from its events: a few counters and two histograms in plain
 * objects, written out in the Prometheus text format on each scrape. Written by hand rather than
 * with prom-client, which adds ~3.5 MB of RSS to a running supervisor (~11 MB to a bare node) against
 * a budget of 48 MB; this costs ~0.3 MB (docs/observability.md).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const now = options.now ?? Date.now;
  const memory = options.memory ?? (() => process.memoryUsage());
  const startTimeS = now() / 1000;
  const restarts = new Map<string, number>(RESTART_REASONS.map((r) => [r, 0]));
  const switches = new Map<string, number>(SWITCH_OUTCOMES.map((o) => [o, 0]));
  const health = new Map<string, number>([
    ['healthy', 0],
    ['unhealthy', 0],
  ]);
  const counts = { starts: 0, crashes: 0, hangs: 0, giveUps: 0 };
  const switchSeconds = new Histogram(options.switchBuckets ?? [1, 2, 5, 10, 30, 60, 120, 300, 600]);
  const healthSeconds = new Histogram(options.healthBuckets ?? [0.25, 0.5, 1, 2, 5, 10, 30, 60, 180]);
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  const record = (event: SupervisorEvent): void => {
    try {
      switch (event.type) {
        case 'comfyui_start':
          counts.starts++;
          break;
        case 'comfyui_exit':
          if (event.meaning === 'crash') counts.crashes++;
          break;
        case 'restart':
          bump(restarts, String(event.reason));
          break;
        case 'hung':
          counts.hangs++;
          break;
        case 'give_up':
          counts.giveUps++;
          break;
        case 'switch_end':
          bump(switches, String(event.outcome));
          switchSeconds.observe(event.durationMs / 1000);
          break;
        case 'health':
          bump(health, event.healthy ? 'healthy' : 'unhealthy');
          healthSeconds.observe(event.afterMs / 1000);
          break;
      }
    } catch {
      // a malformed event is not worth a crash of the supervisor
    }
  };

  const text = (snapshot: MetricsSnapshot): string => {
    const mem = memory();
    const env = `environment="${escapeLabel(snapshot.currentEnv)}"`;
    const c = (name: string, help: string, value: number) =>
      family(name, 'counter', help, [`${name} ${value}`]);
    /** A counter with one sample per key of `map`, labelled `label`. */
    const byLabel = (name: string, help: string, map: Map<string, number>, label: string) =>
      family(
        name,
        'counter',
        help,
        [...map].map(([key, n]) => `${name}{${label}="${escapeLabel(key)}"} ${n}`),
      );
    return `${[
      family('comfyvisor_comfyui_up', 'gauge', 'Whether ComfyUI is running (1) or not (0).', [
        `comfyvisor_comfyui_up{${env}} ${snapshot.comfyuiRunning ? 1 : 0}`,
      ]),
      family('comfyvisor_comfyui_uptime_seconds', 'gauge', 'How long the current ComfyUI has run.', [
        `comfyvisor_comfyui_uptime_seconds{${env}} ${snapshot.comfyuiRunning ? formatNumber(snapshot.comfyuiUptimeMs / 1000) : 0}`,
      ]),
      c('comfyvisor_comfyui_starts_total', 'ComfyUI processes started.', counts.starts),
      byLabel('comfyvisor_restarts_total', 'Restarts of ComfyUI by reason.', restarts, 'reason'),
      c('comfyvisor_crashes_total', 'Exits of ComfyUI taken as a crash.', counts.crashes),
      c('comfyvisor_hangs_total', 'Times ComfyUI stopped answering and was restarted.', counts.hangs),
      c('comfyvisor_give_ups_total', 'Times the crash policy gave up.', counts.giveUps),
      byLabel('comfyvisor_switches_total', 'Environment switches by outcome.', switches, 'outcome'),
      family(
        'comfyvisor_switch_duration_seconds',
        'histogram',
        'From switch request to its final state.',
        switchSeconds.lines('comfyvisor_switch_duration_seconds'),
      ),
      byLabel('comfyvisor_health_checks_total', 'Health checks after a start, by result.', health, 'result'),
      family(
        'comfyvisor_health_check_duration_seconds',
        'histogram',
        'How long a health check took to decide.',
        healthSeconds.lines('comfyvisor_health_check_duration_seconds'),
      ),
      family('comfyvisor_process_resident_memory_bytes', 'gauge', "The supervisor's resident memory.", [
        `comfyvisor_process_resident_memory_bytes ${mem.rss}`,
      ]),
      family('comfyvisor_process_heap_bytes', 'gauge', "The supervisor's V8 heap.", [
        `comfyvisor_process_heap_bytes{kind="used"} ${mem.heapUsed}`,
        `comfyvisor_process_heap_bytes{kind="total"} ${mem.heapTotal}`,
      ]),
      family(
        'comfyvisor_process_start_time_seconds',
        'gauge',
        'When the supervisor started, in seconds since the epoch.',
        [`comfyvisor_process_start_time_seconds ${formatNumber(startTimeS)}`],
      ),
    ].join('\n')}\n`;
  };

  return { record, text };
}
