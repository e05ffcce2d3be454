import { SWITCH_OUTCOMES } from '@comfyvisor/ipc-files';
import { escapeLabel, family, formatNumber, Histogram } from './metrics-format.ts';
import type { RecordEvent, SupervisorEvent } from './supervisor-event.ts';

export { escapeLabel };

/** What `/metrics` needs from the supervisor at the moment of a scrape. */
export interface MetricsSnapshot {
  comfyuiRunning: boolean;
  comfyuiUptimeMs: number;
  currentEnv: string;
  /** ComfyUI's queue at the last look, when known. */
  queue?: { running: number; pending: number } | null | undefined;
  /** Resident memory of ComfyUI's process tree, when sampled. */
  comfyuiResidentBytes?: number | null | undefined;
  /** GPU memory of ComfyUI's processes (nvidia-smi), when it answers. */
  comfyuiGpuBytes?: number | null | undefined;
}

export interface Metrics {
  /** Counts one event (pass it to the supervisor beside the event log). Never throws. */
  record: RecordEvent;
  /** A finished prompt's duration (ComfyUI's `Prompt executed in N seconds`). */
  observePrompt(seconds: number): void;
  /** The Prometheus text exposition format (version 0.0.4). */
  text(snapshot: MetricsSnapshot): string;
}

export interface MetricsOptions {
  /** ms since the epoch, for `comfyvisor_process_start_time_seconds`. @default Date.now */
  now?: (() => number) | undefined;
  /** @default process.memoryUsage */
  memory?: (() => { rss: number; heapUsed: number; heapTotal: number; external?: number }) | undefined;
  /** Upper bounds (s) of the switch-duration histogram. @default [1, 2, 5, 10, 30, 60, 120, 300, 600] */
  switchBuckets?: number[] | undefined;
  /** Upper bounds (s) of the health-check histogram. @default [0.25, 0.5, 1, 2, 5, 10, 30, 60, 180] */
  healthBuckets?: number[] | undefined;
}

const RESTART_REASONS = [
  'exit_42',
  'command',
  'manager',
  'crash',
  'hung',
  'fatal_output',
  'memory',
  'vram',
  'schedule',
] as const;

/** What the metrics keep between scrapes, counted from the supervisor's events. */
class Counts {
  readonly restarts = new Map<string, number>(RESTART_REASONS.map((r) => [r, 0]));
  readonly switches = new Map<string, number>(SWITCH_OUTCOMES.map((o) => [o, 0]));
  readonly health = new Map<string, number>([
    ['healthy', 0],
    ['unhealthy', 0],
  ]);
  starts = 0;
  crashes = 0;
  hangs = 0;
  giveUps = 0;
  promptsLost = 0;
  readonly switchSeconds: Histogram;
  readonly healthSeconds: Histogram;
  readonly promptSeconds: Histogram;

  constructor(options: MetricsOptions) {
    this.switchSeconds = new Histogram(options.switchBuckets ?? [1, 2, 5, 10, 30, 60, 120, 300, 600]);
    this.healthSeconds = new Histogram(options.healthBuckets ?? [0.25, 0.5, 1, 2, 5, 10, 30, 60, 180]);
    this.promptSeconds = new Histogram([1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]);
  }

  record(event: SupervisorEvent): void {
    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    switch (event.type) {
      case 'comfyui_start':
        this.starts++;
        break;
      case 'comfyui_exit':
        if (event.meaning === 'crash') this.crashes++;
        break;
      case 'restart':
        bump(this.restarts, String(event.reason));
        break;
      case 'hung':
        this.hangs++;
        break;
      case 'give_up':
        this.giveUps++;
        break;
      case 'prompts_lost':
        this.promptsLost += event.prompt_ids.length + event.pending;
        break;
      case 'switch_end':
        bump(this.switches, String(event.outcome));
        this.switchSeconds.observe(event.durationMs / 1000);
        break;
      case 'health':
        bump(this.health, event.healthy ? 'healthy' : 'unhealthy');
        this.healthSeconds.observe(event.afterMs / 1000);
        break;
    }
  }
}

const counter = (name: string, help: string, value: number) =>
  family(name, 'counter', help, [`${name} ${value}`]);
const gauge = (name: string, help: string, samples: string[]) => family(name, 'gauge', help, samples);
/** A counter with one sample per key of `map`, labelled `label`. */
const byLabel = (name: string, help: string, map: Map<string, number>, label: string) =>
  family(
    name,
    'counter',
    help,
    [...map].map(([key, n]) => `${name}{${label}="${escapeLabel(key)}"} ${n}`),
  );
const histogram = (name: string, help: string, h: Histogram) =>
  family(name, 'histogram', help, h.lines(name));

/** ComfyUI's own figures: up, uptime, its queue, its memory. */
function comfyuiFamilies(snapshot: MetricsSnapshot): string[] {
  const env = `environment="${escapeLabel(snapshot.currentEnv)}"`;
  const uptime = snapshot.comfyuiRunning ? formatNumber(snapshot.comfyuiUptimeMs / 1000) : 0;
  const q = snapshot.queue;
  return [
    gauge('comfyvisor_comfyui_up', 'Whether ComfyUI is running (1) or not (0).', [
      `comfyvisor_comfyui_up{${env}} ${snapshot.comfyuiRunning ? 1 : 0}`,
    ]),
    gauge('comfyvisor_comfyui_uptime_seconds', 'How long the current ComfyUI has run.', [
      `comfyvisor_comfyui_uptime_seconds{${env}} ${uptime}`,
    ]),
    gauge('comfyvisor_queue_running', "Prompts running in ComfyUI's queue at the last look.", [
      `comfyvisor_queue_running ${q?.running ?? 0}`,
    ]),
    gauge('comfyvisor_queue_pending', "Prompts pending in ComfyUI's queue at the last look.", [
      `comfyvisor_queue_pending ${q?.pending ?? 0}`,
    ]),
    ...(typeof snapshot.comfyuiResidentBytes === 'number'
      ? [
          gauge('comfyvisor_comfyui_resident_memory_bytes', "Resident memory of ComfyUI's process tree.", [
            `comfyvisor_comfyui_resident_memory_bytes{${env}} ${snapshot.comfyuiResidentBytes}`,
          ]),
        ]
      : []),
    ...(typeof snapshot.comfyuiGpuBytes === 'number'
      ? [
          gauge(
            'comfyvisor_comfyui_gpu_memory_bytes',
            "GPU memory used by ComfyUI's processes (nvidia-smi).",
            [`comfyvisor_comfyui_gpu_memory_bytes{${env}} ${snapshot.comfyuiGpuBytes}`],
          ),
        ]
      : []),
  ];
}

/** What happened since the supervisor started. */
function historyFamilies(c: Counts): string[] {
  return [
    counter('comfyvisor_comfyui_starts_total', 'ComfyUI processes started.', c.starts),
    byLabel('comfyvisor_restarts_total', 'Restarts of ComfyUI by reason.', c.restarts, 'reason'),
    counter('comfyvisor_crashes_total', 'Exits of ComfyUI taken as a crash.', c.crashes),
    counter('comfyvisor_hangs_total', 'Times ComfyUI stopped answering and was restarted.', c.hangs),
    counter('comfyvisor_give_ups_total', 'Times the crash policy gave up.', c.giveUps),
    counter(
      'comfyvisor_prompts_lost_total',
      'Prompts running or pending when ComfyUI ended unplanned.',
      c.promptsLost,
    ),
    byLabel('comfyvisor_switches_total', 'Environment switches by outcome.', c.switches, 'outcome'),
    histogram(
      'comfyvisor_switch_duration_seconds',
      'From switch request to its final state.',
      c.switchSeconds,
    ),
    byLabel('comfyvisor_health_checks_total', 'Health checks after a start, by result.', c.health, 'result'),
    histogram(
      'comfyvisor_health_check_duration_seconds',
      'How long a health check took to decide.',
      c.healthSeconds,
    ),
    histogram('comfyvisor_prompt_duration_seconds', 'How long finished prompts took.', c.promptSeconds),
  ];
}

/**
 * The supervisor's metrics, kept from its events: a few counters and histograms in plain objects,
 * written out in the Prometheus text format on each scrape. Written by hand rather than with
 * prom-client, which adds ~3.5 MB of RSS to a running supervisor (~11 MB to a bare node) against a
 * budget of 48 MB; this costs ~0.3 MB (docs/observability.md).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const now = options.now ?? Date.now;
  const memory = options.memory ?? (() => process.memoryUsage());
  const startTimeS = now() / 1000;
  const counts = new Counts(options);
  const text = (snapshot: MetricsSnapshot): string => {
    const mem = memory();
    return `${[
      ...comfyuiFamilies(snapshot),
      ...historyFamilies(counts),
      gauge('comfyvisor_process_resident_memory_bytes', "The supervisor's resident memory.", [
        `comfyvisor_process_resident_memory_bytes ${mem.rss}`,
      ]),
      gauge('comfyvisor_process_heap_bytes', "The supervisor's V8 heap.", [
        `comfyvisor_process_heap_bytes{kind="used"} ${mem.heapUsed}`,
        `comfyvisor_process_heap_bytes{kind="total"} ${mem.heapTotal}`,
        ...(mem.external === undefined
          ? []
          : [`comfyvisor_process_heap_bytes{kind="external"} ${mem.external}`]),
      ]),
      gauge(
        'comfyvisor_process_start_time_seconds',
        'When the supervisor started, in seconds since the epoch.',
        [`comfyvisor_process_start_time_seconds ${formatNumber(startTimeS)}`],
      ),
    ].join('\n')}\n`;
  };
  return {
    record: (event) => {
      try {
        counts.record(event);
      } catch {
        // a malformed event is not worth a crash of the supervisor
      }
    },
    observePrompt: (seconds) => counts.promptSeconds.observe(seconds),
    text,
  };
}
