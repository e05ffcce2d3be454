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
  [key: string]: unknown;
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

type State = { state: Availability; why: string };

/** Walks the events oldest first, keeping each environment's open span. */
class StripBuilder {
  readonly spans: Span[] = [];
  readonly ticks: Tick[] = [];
  readonly seen = new Set<string>();
  private active: string | null = null;
  private base: State = { state: 'down', why: '' };
  private switching = new Set<string>();
  private readonly open = new Map<string, { state: Availability; start: number; why: string }>();

  constructor(private readonly from: number) {}

  /** What an environment's band shows now: switching during a switch, else its state while active. */
  private effective(env: string): State | null {
    if (this.switching.has(env)) return { state: 'switching', why: 'switch under way' };
    return env === this.active ? this.base : null;
  }

  /** Closes and opens spans so each environment's band shows its effective state from `time` on. */
  settle(time: number): void {
    const envs = new Set([...this.open.keys(), ...this.switching, ...(this.active ? [this.active] : [])]);
    for (const env of envs) {
      const now = this.effective(env);
      const current = this.open.get(env);
      if (current && now && current.state === now.state) continue;
      if (current) {
        if (time > current.start) this.spans.push({ env, ...current, end: time });
        this.open.delete(env);
      }
      if (now) this.open.set(env, { state: now.state, start: time, why: now.why });
    }
  }

  /** The open spans end at `to`. */
  finish(to: number): void {
    for (const [env, current] of this.open)
      if (to > current.start) this.spans.push({ env, ...current, end: to });
  }

  private exit(env: string, e: AvailabilityEvent): void {
    if (e.meaning === 'crash') {
      this.base = { state: 'down', why: `crash: ${exitWords(e)}` };
      if (e.time >= this.from)
        this.ticks.push({ env, time: e.time, kind: 'crash', text: `crashed (${exitWords(e)})` });
    } else if (e.meaning === 'stop') this.base = { state: 'down', why: 'stopped' };
    else this.base = { state: 'switching', why: String(e.meaning ?? 'exited') };
  }

  /** One event's change of state (not yet drawn: `settle` does that). */
  apply(e: AvailabilityEvent): void {
    const env = str(e.env);
    if (env) this.seen.add(env);
    const mine = env !== null && env === this.active;
    switch (e.type) {
      case 'supervisor_start':
        this.active = env;
        this.base = { state: 'down', why: 'supervisor started' };
        this.switching = new Set();
        return;
      case 'supervisor_stop':
        this.active = null;
        this.switching = new Set();
        return;
      case 'comfyui_start':
        this.active = env;
        this.base = { state: 'switching', why: 'starting' };
        return;
      case 'comfyui_ready':
        if (mine) this.base = { state: 'running', why: 'ready' };
        return;
      case 'hung':
        if (mine) this.base = { state: 'hung', why: 'not answering' };
        return;
      case 'comfyui_exit':
        if (mine) this.exit(env, e);
        return;
      case 'give_up':
        if (env)
          this.ticks.push({ env, time: e.time, kind: 'give_up', text: 'gave up after repeated crashes' });
        if (mine) this.base = { state: 'down', why: 'gave up' };
        return;
      case 'switch_start': {
        const names = [str(e.source), str(e.target)].filter((n): n is string => n !== null);
        for (const n of names) this.seen.add(n);
        this.switching = new Set(names);
        return;
      }
      case 'switch_end':
        this.switching = new Set();
        return;
    }
  }
}

/** The spans, ticks and environments between `from` and `to` (seconds), events oldest first. */
export function availability(
  events: readonly AvailabilityEvent[],
  from: number,
  to: number,
): AvailabilityChart {
  const strip = new StripBuilder(from);
  for (const e of events) {
    if (e.time > to) break;
    strip.apply(e);
    strip.settle(Math.max(e.time, from));
  }
  strip.finish(to);
  const spans = strip.spans.filter((s) => s.end > from && s.start < to);
  const ticks = strip.ticks.filter((t) => t.time >= from && t.time <= to);
  return {
    environments: [...strip.seen].filter(
      (env) => spans.some((s) => s.env === env) || ticks.some((t) => t.env === env),
    ),
    spans,
    ticks,
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
