/**
 * What the bridge pushes to the dashboard's page on `/v2/comfygit/dashboard/stream` (server-sent
 * events): the types both sides share. No imports, so the browser code (src/dashboard/) can use
 * them without pulling in Node.
 */

/** The `state` event: what the dashboard shows at one moment (pushed whenever it changes). */
export interface DashboardState {
  /** The supervisor's `/health`, or null when none answers. */
  health: Record<string, unknown> | null;
  /** `.switch_status.json` as on disk, or the idle status. */
  switch: Record<string, unknown>;
  environments: string[];
  /** Where ComfyUI listens, for the link that opens it; host null means "the host of this page". */
  comfyui: { host: string | null; port: number } | null;
  log: { file: string | null; lines: string[] };
}

/** How a timeline entry is drawn; `detail` ones are left off the timeline. */
export type TimelineKind =
  | 'restart'
  | 'crash'
  | 'hang'
  | 'switch-ok'
  | 'switch-bad'
  | 'give-up'
  | 'supervisor'
  | 'detail';

/** One entry of the timeline: the event as on disk (`type`, `time` and its own fields) and its words. */
export interface TimelineWireEntry {
  type: string;
  /** Seconds since the epoch. */
  time: number;
  text: string;
  kind: TimelineKind;
  /** The event's own fields (`env`, `meaning`, ...). */
  [key: string]: unknown;
}

/** The `history` event: the last events on connect (`reset: true`), then each new one. */
export interface HistoryMessage {
  reset: boolean;
  skipped: number;
  events: TimelineWireEntry[];
}

/** The `availability` event (on connect): a week of the events the strip is drawn from; new ones come as `history`. */
export interface AvailabilityMessage {
  events: { type: string; time: number; [key: string]: unknown }[];
  /** The bridge's clock, ms since the epoch. */
  nowMs: number;
}

/** One sample of ComfyUI's memory, from the supervisor's `/health` (bytes; null when unknown or off). */
export interface MemorySampleWire {
  /** Seconds since the epoch. */
  time: number;
  rssBytes: number | null;
  gpuBytes: number | null;
  rssLimitBytes: number | null;
  vramLimitBytes: number | null;
}

/** The `memory` event: the last hour on connect (`reset: true`), then each new sample. */
export interface MemoryMessage {
  reset: boolean;
  samples: MemorySampleWire[];
}
