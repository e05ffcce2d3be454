import { readEvents } from '@comfyvisor/ipc-files';
import { AVAILABILITY_TYPES } from './dashboard/availability.ts';
import type { AvailabilityMessage, MemoryMessage, MemorySampleWire } from './dashboard-wire.ts';

/** The strip's longest period. */
export const AVAILABILITY_DAYS = 7;
/** The most events sent for the strip (more than the 4 files of 1 MiB events.jsonl keeps by default). */
const AVAILABILITY_MAX_EVENTS = 50_000;
/** Fields of an event the strip reads; the rest is left out of what is sent. */
const KEPT_FIELDS = [
  'type',
  'time',
  'env',
  'target',
  'source',
  'meaning',
  'code',
  'signal',
  'reason',
  'outcome',
];

/**
 * The events of the last week the strip and the restart bars are drawn from (oldest first), plus
 * those of the day before it, so the strip knows the state the week began in.
 */
export async function readAvailability(dir: string, nowMs: number): Promise<AvailabilityMessage> {
  const since = nowMs - AVAILABILITY_DAYS * 86_400_000;
  const { events } = await readEvents(dir, { sinceMs: since - 86_400_000 });
  const kept = events
    .filter((e) => AVAILABILITY_TYPES.has(e.type))
    .slice(-AVAILABILITY_MAX_EVENTS)
    .map((e) => Object.fromEntries(KEPT_FIELDS.filter((k) => k in e).map((k) => [k, e[k]])));
  return { events: kept as AvailabilityMessage['events'], nowMs };
}

const bytes = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

/**
 * ComfyUI's memory from a `/health` body (`comfyui.memory`, snake_case as the control API
 * writes it, or camelCase), or null when the supervisor does not report it.
 */
export function memoryOf(health: Record<string, unknown> | null, timeS: number): MemorySampleWire | null {
  const comfyui = health?.comfyui as { running?: unknown; memory?: unknown } | undefined;
  const m = comfyui?.memory;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return null;
  const v = m as Record<string, unknown>;
  const sample = {
    time: timeS,
    rssBytes: bytes(v.rss_bytes ?? v.rssBytes),
    gpuBytes: bytes(v.gpu_bytes ?? v.gpuBytes),
    rssLimitBytes: bytes(v.rss_limit_bytes ?? v.rssLimitBytes),
    vramLimitBytes: bytes(v.vram_limit_bytes ?? v.vramLimitBytes),
  };
  return sample.rssBytes === null && sample.gpuBytes === null ? null : sample;
}

/**
 * The last hour of ComfyUI's memory, one sample every `everyMs` at most, taken from the `/health`
 * the dashboard's stream reads anyway (so only while a page is open). Shared by every page.
 */
export class MemoryRecorder {
  private readonly samples: MemorySampleWire[] = [];
  constructor(
    private readonly everyMs = 5_000,
    private readonly keepMs = 3_600_000,
  ) {}

  /** Records a sample when the last one is `everyMs` old. */
  offer(health: Record<string, unknown> | null, nowMs: number): void {
    const last = this.samples.at(-1);
    if (last && nowMs - last.time * 1000 < this.everyMs) return;
    const sample = memoryOf(health, nowMs / 1000);
    if (!sample) return;
    this.samples.push(sample);
    while ((this.samples[0]?.time ?? Number.POSITIVE_INFINITY) * 1000 < nowMs - this.keepMs)
      this.samples.shift();
  }

  /**
   * For one page: records what `/health` says, and gives the `memory` message to send, if any:
   * every sample on the first call (`reset`), then only new ones.
   */
  feed(): (health: Record<string, unknown> | null, nowMs: number) => MemoryMessage | null {
    let sent: number | null = null;
    return (health, nowMs) => {
      this.offer(health, nowMs);
      const samples = this.after(sent ?? Number.NEGATIVE_INFINITY);
      if (sent !== null && samples.length === 0) return null;
      const reset = sent === null;
      sent = samples.at(-1)?.time ?? sent ?? Number.NEGATIVE_INFINITY;
      return { reset, samples };
    };
  }

  /** The samples after `timeS` (all with -Infinity). */
  after(timeS: number): MemorySampleWire[] {
    return this.samples.filter((s) => s.time > timeS);
  }
}
