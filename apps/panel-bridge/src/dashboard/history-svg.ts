/**
 * The dashboard's pictures as plain SVG text (no library, no DOM): the availability strip, the
 * restarts-per-hour bars and the memory chart. Every mark has a `<title>`, which browsers show on
 * hover. Colours: running green, down red, switching blue, hung amber; crash ticks dark red.
 */
import type { Availability, AvailabilityChart, restartsPerHour, Span } from './availability.ts';

export const COLOURS: Record<Availability | 'crash' | 'give_up' | 'rss' | 'gpu', string> = {
  running: '#2da44e',
  down: '#cf222e',
  switching: '#0969da',
  hung: '#d4a72c',
  crash: '#82071e',
  give_up: '#000000',
  rss: '#8250df',
  gpu: '#bc4c00',
};

const LABEL_W = 96;
const BAND_H = 18;
const BAND_GAP = 6;
const AXIS_H = 18;

export interface Frame {
  /** Seconds since the epoch. */
  from: number;
  to: number;
  /** @default 800 */
  width?: number;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const pad = (n: number) => String(n).padStart(2, '0');
/** `14:05` in the viewer's time zone. */
export function clock(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function day(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()]} ${d.getDate()}`;
}
function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
const n1 = (x: number) => Math.round(x * 10) / 10;

/** x of a time inside the plot (left of the plot is LABEL_W). */
function scale(frame: Frame) {
  const width = frame.width ?? 800;
  const plot = width - LABEL_W - 8;
  return { width, plot, x: (t: number) => n1(LABEL_W + ((t - frame.from) / (frame.to - frame.from)) * plot) };
}

/** Time labels under a plot: every 10 minutes up to 2 hours, every 3 hours up to a day and a half, else each midnight. */
function axis(frame: Frame, y: number): string {
  const { width, x } = scale(frame);
  const length = frame.to - frame.from;
  const step = length <= 2 * 3600 ? 600 : length <= 36 * 3600 ? 3 * 3600 : 86_400;
  const first = new Date(frame.from * 1000);
  if (step === 86_400) first.setHours(24, 0, 0, 0);
  else if (step === 600) first.setMinutes(Math.ceil(first.getMinutes() / 10) * 10, 0, 0);
  else first.setHours(Math.ceil((first.getHours() + first.getMinutes() / 60) / 3) * 3, 0, 0, 0);
  const marks: string[] = [];
  for (let t = first.getTime() / 1000; t < frame.to; t += step) {
    const at = x(t);
    const label =
      at < width - 20
        ? `<text x="${at}" y="${y + 13}" font-size="10" text-anchor="middle" fill="currentColor">${esc(step === 86_400 ? day(t) : clock(t))}</text>`
        : '';
    marks.push(
      `<line x1="${at}" x2="${at}" y1="0" y2="${y}" class="grid" stroke="#8884" stroke-width="1"/>${label}`,
    );
  }
  return marks.join('');
}

/** Which state shows when several share a pixel: the one that needs a look first. */
const WORST: Availability[] = ['running', 'switching', 'hung', 'down'];

/**
 * The rects of one band: spans narrower than a pixel are drawn together, up to 2 pixels at a
 * time, in the worst of their states, so a week of restarts a minute stays a few hundred rects.
 */
function marksOf(spans: readonly Span[], frame: Frame): { span: Span; changes: number }[] {
  const { x } = scale(frame);
  const marks: { span: Span; changes: number; small: boolean }[] = [];
  for (const s of spans) {
    const small = x(s.end) - x(s.start) < 1;
    const last = marks.at(-1);
    if (small && last?.small && x(s.end) - x(last.span.start) <= 2) {
      const worse = WORST.indexOf(s.state) > WORST.indexOf(last.span.state);
      last.span = { ...last.span, end: s.end, ...(worse ? { state: s.state } : {}) };
      last.changes++;
    } else marks.push({ span: s, changes: 1, small });
  }
  return marks;
}

/** One band per environment, a coloured rect per span, a tick per crash, each with its hover text. */
export function availabilitySvg(chart: AvailabilityChart, frame: Frame, title: string): string {
  const { width, x } = scale(frame);
  const height = Math.max(1, chart.environments.length) * (BAND_H + BAND_GAP) + AXIS_H;
  const parts: string[] = [];
  chart.environments.forEach((env, row) => {
    const y = row * (BAND_H + BAND_GAP);
    parts.push(
      `<text x="0" y="${y + 13}" font-size="12" fill="currentColor">${esc(env.length > 14 ? `${env.slice(0, 13)}…` : env)}</text>`,
      `<rect x="${LABEL_W}" y="${y}" width="${width - LABEL_W - 8}" height="${BAND_H}" fill="#8881"/>`,
    );
    for (const mark of marksOf(
      chart.spans.filter((s) => s.env === env),
      frame,
    )) {
      const s = mark.span;
      const x1 = x(Math.max(s.start, frame.from));
      const w = Math.max(0.5, n1(x(Math.min(s.end, frame.to)) - x1));
      const words =
        mark.changes > 1
          ? `${env}: ${mark.changes} changes ${clock(s.start)}–${clock(s.end)}, the worst ${s.state}`
          : `${env}: ${s.state} ${clock(s.start)}–${clock(s.end)} (${span(s.end - s.start)})${s.why ? `, ${s.why}` : ''}`;
      parts.push(
        `<rect class="span s-${s.state}" data-state="${s.state}" x="${x1}" y="${y}" width="${w}" height="${BAND_H}" fill="${COLOURS[s.state]}"><title>${esc(words)}</title></rect>`,
      );
    }
    for (const t of chart.ticks.filter((t) => t.env === env)) {
      const tx = x(t.time);
      parts.push(
        `<line class="tick t-${t.kind}" x1="${tx}" x2="${tx}" y1="${y - 3}" y2="${y + BAND_H + 3}" stroke="${COLOURS[t.kind]}" stroke-width="2"><title>${esc(`${env} ${t.text} at ${clock(t.time)}`)}</title></line>`,
      );
    }
  });
  if (chart.environments.length === 0)
    parts.push(
      `<text x="${LABEL_W}" y="13" font-size="12" fill="currentColor">No events in this period.</text>`,
    );
  const bandsEnd = height - AXIS_H;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(title)}</title>${axis(frame, bandsEnd)}${parts.join('')}</svg>`;
}

/** Restarts per hour as bars, each with its count and reasons on hover. */
export function restartsSvg(bins: ReturnType<typeof restartsPerHour>, frame: Frame): string {
  const { width, x } = scale(frame);
  const height = 70;
  const plotH = height - AXIS_H - 4;
  const most = Math.max(1, ...bins.map((b) => b.count));
  const bars = bins.map((b) => {
    const h = n1((b.count / most) * plotH);
    const reasons = Object.entries(b.reasons)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
    const words = `${clock(b.start)}–${clock(b.start + 3600)}: ${b.count} restart${b.count === 1 ? '' : 's'}${reasons ? ` (${reasons})` : ''}`;
    const x1 = x(b.start) + 1;
    const w = Math.max(1, n1(x(b.start + 3600) - x(b.start) - 2));
    return `<rect class="bar" data-count="${b.count}" x="${x1}" y="${n1(4 + plotH - h)}" width="${w}" height="${Math.max(h, 0)}" fill="#0969da"><title>${esc(words)}</title></rect>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>Restarts per hour</title>${axis(frame, height - AXIS_H)}<text x="0" y="14" font-size="11" fill="currentColor">max ${most}/h</text>${bars.join('')}</svg>`;
}

/** One sample of ComfyUI's memory (bytes; null when not reported). */
export interface MemorySample {
  /** Seconds since the epoch. */
  time: number;
  rssBytes: number | null;
  gpuBytes: number | null;
  rssLimitBytes: number | null;
  vramLimitBytes: number | null;
}

const GIB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(bytes < 10 * GIB ? 2 : 1)} GiB`;

/** Memory and GPU memory over time, with the restart thresholds as dashed lines when set. */
export function memorySvg(samples: readonly MemorySample[], frame: Frame): string {
  const { width, x } = scale(frame);
  const height = 150;
  const plotTop = 30;
  const plotH = height - AXIS_H - plotTop;
  const values = samples.flatMap((s) => [
    s.rssBytes,
    s.gpuBytes,
    s.rssLimitBytes || null,
    s.vramLimitBytes || null,
  ]);
  const known = values.filter((v): v is number => typeof v === 'number' && v > 0);
  const head = `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>ComfyUI memory, last hour</title>${axis(frame, height - AXIS_H)}`;
  if (known.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} 24" width="${width}" height="24"><title>ComfyUI memory, last hour</title><text class="no-data" x="${LABEL_W}" y="16" font-size="12" fill="currentColor">No memory data: the supervisor does not report ComfyUI's memory.</text></svg>`;
  const top = Math.max(...known) * 1.1;
  const y = (v: number) => n1(plotTop + plotH - (v / top) * plotH);
  const parts = [
    `<text x="0" y="${plotTop + 8}" font-size="10" fill="currentColor">${esc(gib(top))}</text>`,
    `<text x="0" y="${height - AXIS_H}" font-size="10" fill="currentColor">0</text>`,
  ];
  for (const [row, [key, limitKey, colour, name]] of (
    [
      ['rssBytes', 'rssLimitBytes', COLOURS.rss, 'memory (RSS)'],
      ['gpuBytes', 'vramLimitBytes', COLOURS.gpu, 'GPU memory'],
    ] as const
  ).entries()) {
    const points = samples.filter((s) => typeof s[key] === 'number');
    const limit = samples.at(-1)?.[limitKey];
    if (points.length > 0) {
      const last = points.at(-1) as MemorySample;
      const legend = `${name} ${gib(last[key] as number)}${typeof limit === 'number' && limit > 0 ? `, restart at ${gib(limit)}` : ''}`;
      parts.push(
        `<text class="legend-${key}" x="${LABEL_W + row * 300}" y="14" font-size="11" fill="${colour}">${esc(legend)}</text>`,
        `<polyline class="line-${key}" fill="none" stroke="${colour}" stroke-width="2" points="${points.map((s) => `${x(s.time)},${y(s[key] as number)}`).join(' ')}"><title>${esc(`${name}: ${gib(last[key] as number)} at ${clock(last.time)}`)}</title></polyline>`,
      );
    }
    if (typeof limit === 'number' && limit > 0) {
      parts.push(
        `<line class="limit-${key}" x1="${LABEL_W}" x2="${width - 8}" y1="${y(limit)}" y2="${y(limit)}" stroke="${colour}" stroke-dasharray="6 4" stroke-width="1.5"><title>${esc(`restart when ${name} passes ${gib(limit)}`)}</title></line>`,
      );
    }
  }
  return `${head}${parts.join('')}</svg>`;
}
