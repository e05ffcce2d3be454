/**
 * What the availability strip draws, worked out from the supervisor's events (events.jsonl): for
 * each environment, spans of `running`, `down`, `switching` (starting, restarting or switching) and
 * `hung`, crash ticks, and restarts per hour. Pure: the times come in, nothing is read.
 *
 * An environment has a band only while it is the one the supervisor runs (from its `comfyui_start`
 * or `supervisor_start` to another environment's start or `supervisor_stop`); the others are blank
 * then, not "down". A switch shows both of its environments as switching until `switch_end`.
 */

export type Availability = 'running' | 'down' | 'switching' | 'hung';

/** The event fields the strip reads (a TimelineWireEntry or a line of events.jsonl). */
export interface AvailabilityEvent {
  type: string;
  /** Seconds since the epoch. */
  time: number;
  env?: unknown;
  target?: unknown;
  source?: unknown;
  meaning?: unknown;
  code?: unknown;
  signal?: unknown;
  reason?: unknown;
  outcome?: unknown;
}

export interface Span {
  env: string;
  state: Availability;
  /** Seconds since the epoch. */
  start: number;
  end: number;
  /** What began it (`crash: exit code 1`, `ready`, ...). */
  why: string;
}

export interface Tick {
  env: string;
  time: number;
  kind: 'crash' | 'give_up';
  text: string;
}

export interface AvailabilityChart {
  environments: string[];
  spans: Span[];
  ticks: Tick[];
}

/** Event types the strip and the restart bars use (the rest can be left out of what is sent). */
export const AVAILABILITY_TYPES: ReadonlySet<string> = new Set([
  'supervisor_start',
  'supervisor_stop',
  'comfyui_start',
  'comfyui_ready',
  'comfyui_exit',
  'restart',
  'switch_start',
  'switch_end',
  'hung',
  'give_up',
]);

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function exitWords(e: AvailabilityEvent): string {
  if (typeof e.signal === 'string' && e.signal) return `killed by ${e.signal}`;
  return typeof e.code === 'number' ? `exit code ${e.code}` : 'exited';
}

/** The spans, ticks and environments between `from` and `to` (seconds), events oldest first. */
export function availability(
  events: readonly AvailabilityEvent[],
  from: number,
  to: number,
): AvailabilityChart {
  const spans: Span[] = [];
  const ticks: Tick[] = [];
  const seen = new Set<string>();
  let active: string | null = null;
  let base: { state: Availability; why: string } = { state: 'down', why: '' };
  let switching: Set<string> = new Set();
  const open = new Map<string, { state: Availability; start: number; why: string }>();

  const effective = (env: string): { state: Availability; why: string } | null => {
    if (switching.has(env)) return { state: 'switching', why: 'switch under way' };
    return env === active ? base : null;
  };
  /** Closes and opens spans so each environment's band shows its effective state from `time` on. */
  const settle = (time: number) => {
    for (const env of new Set([...open.keys(), ...switching, ...(active ? [active] : [])])) {
      const now = effective(env);
      const current = open.get(env);
      if (current && now && current.state === now.state) continue;
      if (current) {
        if (time > current.start) spans.push({ env, ...current, end: time });
        open.delete(env);
      }
      if (now) open.set(env, { state: now.state, start: time, why: now.why });
    }
  };

  for (const e of events) {
    const t = Math.min(Math.max(e.time, from), to);
    if (e.time > to) break;
    const env = str(e.env);
    if (env) seen.add(env);
    switch (e.type) {
      case 'supervisor_start':
        active = env;
        base = { state: 'down', why: 'supervisor started' };
        switching = new Set();
        break;
      case 'supervisor_stop':
        active = null;
        switching = new Set();
        break;
      case 'comfyui_start':
        active = env;
        base = { state: 'switching', why: 'starting' };
        break;
      case 'comfyui_ready':
        if (env === active) base = { state: 'running', why: 'ready' };
        break;
      case 'hung':
        if (env === active) base = { state: 'hung', why: 'not answering' };
        break;
      case 'comfyui_exit':
        if (!env || env !== active) break;
        if (e.meaning === 'crash') {
          base = { state: 'down', why: `crash: ${exitWords(e)}` };
          if (e.time >= from)
            ticks.push({ env, time: e.time, kind: 'crash', text: `crashed (${exitWords(e)})` });
        } else if (e.meaning === 'stop') base = { state: 'down', why: 'stopped' };
        else base = { state: 'switching', why: String(e.meaning ?? 'exited') };
        break;
      case 'give_up':
        if (env) ticks.push({ env, time: e.time, kind: 'give_up', text: 'gave up after repeated crashes' });
        if (env === active) base = { state: 'down', why: 'gave up' };
        break;
      case 'switch_start': {
        const names = [str(e.source), str(e.target)].filter((n): n is string => n !== null);
        for (const n of names) seen.add(n);
        switching = new Set(names);
        break;
      }
      case 'switch_end':
        switching = new Set();
        break;
    }
    settle(t);
  }
  for (const [env, current] of open) if (to > current.start) spans.push({ env, ...current, end: to });
  const visible = spans.filter((s) => s.end > from && s.start < to);
  return {
    environments: [...seen].filter(
      (env) => visible.some((s) => s.env === env) || ticks.some((t) => t.env === env),
    ),
    spans: visible,
    ticks: ticks.filter((t) => t.time >= from && t.time <= to),
  };
}

/** Restarts (`restart` events) in each hour of `[from, to)`, by reason. */
export function restartsPerHour(
  events: readonly AvailabilityEvent[],
  from: number,
  to: number,
): { start: number; count: number; reasons: Record<string, number> }[] {
  const hours = Math.max(1, Math.ceil((to - from) / 3600));
  const bins = Array.from({ length: hours }, (_, i) => ({
    start: from + i * 3600,
    count: 0,
    reasons: {} as Record<string, number>,
  }));
  for (const e of events) {
    if (e.type !== 'restart' || e.time < from || e.time >= to) continue;
    const bin = bins[Math.floor((e.time - from) / 3600)];
    if (!bin) continue;
    bin.count++;
    const reason = str(e.reason) ?? 'other';
    bin.reasons[reason] = (bin.reasons[reason] ?? 0) + 1;
  }
  return bins;
}
